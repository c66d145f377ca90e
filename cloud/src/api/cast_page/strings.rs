//! The casting page's words in English and Chinese, and which language a
//! request gets. The page's script takes its strings from the page (a JSON
//! block of this table), so every word a person sees lives here.

/// A language the page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    ZhCn,
}

impl Lang {
    /// `?lang=` wins; then the browser's `Accept-Language` (its most
    /// preferred language the page speaks); English otherwise.
    pub fn choose(query: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(lang) = query.and_then(Self::parse) {
            return lang;
        }
        let mut best: Option<(f32, Lang)> = None;
        for item in accept_language.unwrap_or_default().split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(|tag| Self::parse(tag.trim())) else {
                continue;
            };
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            // The first of equal weights wins.
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    /// `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`, … (case-insensitive).
    fn parse(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "zh" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// The `lang` attribute and `?lang=` value.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn table(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Lang::En => EN,
            Lang::ZhCn => ZH_CN,
        }
    }

    /// The text for `key` (the key itself if missing: a test keeps the
    /// tables complete).
    pub fn text(self, key: &'static str) -> &'static str {
        self.table()
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(key, |(_, text)| text)
    }
}

/// `{name}`, `{min}` and `{code}` are filled in by the script.
const EN: &[(&str, &str)] = &[
    ("title", "Share your screen"),
    ("lead", "Type the code shown on the room's screen, then choose what to share."),
    ("code_label", "Casting code"),
    ("code_hint", "6 digits, shown on the room's screen"),
    ("name_label", "Your name"),
    ("name_hint", "The room sees it while you share"),
    ("default_name", "a guest"),
    ("share", "Share screen"),
    ("stop", "Stop sharing"),
    ("take_over", "Take over"),
    ("cancel", "Cancel"),
    ("language", "Language"),
    ("footer", "Your screen goes straight to the room over the local network; it does not pass through the cloud."),
    ("noscript", "This page needs JavaScript to share your screen."),
    ("phones", "Phones and tablets cannot share their screen from a browser yet. To cast, open this page in a desktop browser (Chrome, Edge, Firefox) and type the room's code."),
    ("st_picking", "Choose a screen, window or tab to share…"),
    ("st_connecting", "Connecting to the room…"),
    ("st_sharing", "Your screen is showing in the room."),
    ("st_busy", "{name} is sharing their screen in this room. Take over?"),
    ("st_cancelled", "Nothing was shared."),
    ("someone", "Someone"),
    ("err_code_format", "The code has 6 digits."),
    ("err_cast_code_invalid", "Wrong or expired code. Type the code the room shows now."),
    ("err_ip_locked", "Too many wrong codes. Try again in {min} min."),
    ("err_cast_take_over_not_allowed", "{name} is sharing, and this room does not allow taking over. Try again when they stop."),
    ("err_cast_declined", "The room declined your screen."),
    ("err_cast_refused", "The room did not take your screen."),
    ("err_cast_unsupported", "The room cannot show this screen (no common video format)."),
    ("err_room_offline", "The room is offline."),
    ("err_room_no_answer", "The room did not answer. Try again."),
    ("err_network", "Cannot reach the server. Check your network."),
    ("err_media", "Your browser could not start sharing."),
    ("err_other", "Something went wrong ({code}). Try again."),
    ("end_stopped_by_caster", "You stopped sharing."),
    ("end_stopped_by_room", "The room stopped showing your screen."),
    ("end_stopped_by_admin", "An administrator stopped your cast."),
    ("end_taken_over", "Someone else took over the room's screen."),
    ("end_connection_lost", "Connection lost."),
    ("end_room_offline", "The room went offline."),
    ("end_unknown", "Sharing ended."),
];

const ZH_CN: &[(&str, &str)] = &[
    ("title", "投屏"),
    ("lead", "输入会议室屏幕上显示的投屏码，然后选择要共享的内容。"),
    ("code_label", "投屏码"),
    ("code_hint", "6 位数字，显示在会议室屏幕上"),
    ("name_label", "你的名字"),
    ("name_hint", "投屏时会议室里会显示"),
    ("default_name", "访客"),
    ("share", "开始投屏"),
    ("stop", "停止投屏"),
    ("take_over", "接管"),
    ("cancel", "取消"),
    ("language", "语言"),
    ("footer", "画面经局域网直接传到会议室，不经过云端。"),
    ("noscript", "投屏需要启用 JavaScript。"),
    ("phones", "手机和平板暂时无法通过浏览器投屏。请在电脑浏览器（Chrome、Edge、Firefox）中打开本页，并输入会议室的投屏码。"),
    ("st_picking", "请选择要共享的屏幕、窗口或标签页…"),
    ("st_connecting", "正在连接会议室…"),
    ("st_sharing", "你的屏幕正在会议室中显示。"),
    ("st_busy", "{name} 正在此会议室投屏。要接管吗？"),
    ("st_cancelled", "未共享任何内容。"),
    ("someone", "有人"),
    ("err_code_format", "投屏码为 6 位数字。"),
    ("err_cast_code_invalid", "投屏码错误或已过期，请输入会议室当前显示的投屏码。"),
    ("err_ip_locked", "错误次数过多，请 {min} 分钟后再试。"),
    ("err_cast_take_over_not_allowed", "{name} 正在投屏，此会议室不允许接管。请在对方停止后再试。"),
    ("err_cast_declined", "会议室拒绝了你的投屏。"),
    ("err_cast_refused", "会议室未接受你的投屏。"),
    ("err_cast_unsupported", "会议室无法显示此画面（没有共同支持的视频格式）。"),
    ("err_room_offline", "会议室不在线。"),
    ("err_room_no_answer", "会议室没有响应，请重试。"),
    ("err_network", "无法连接服务器，请检查网络。"),
    ("err_media", "浏览器无法开始共享。"),
    ("err_other", "出错了（{code}），请重试。"),
    ("end_stopped_by_caster", "你已停止投屏。"),
    ("end_stopped_by_room", "会议室已停止显示你的屏幕。"),
    ("end_stopped_by_admin", "管理员已停止你的投屏。"),
    ("end_taken_over", "其他人接管了会议室屏幕。"),
    ("end_connection_lost", "连接已断开。"),
    ("end_room_offline", "会议室已离线。"),
    ("end_unknown", "投屏已结束。"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_string() {
        let keys =
            |t: &[(&'static str, &'static str)]| t.iter().map(|(k, _)| *k).collect::<Vec<_>>();
        assert_eq!(keys(EN), keys(ZH_CN));
        for (key, text) in EN.iter().chain(ZH_CN) {
            assert!(!text.trim().is_empty(), "{key} is empty");
        }
        // Placeholders survive translation.
        for ((key, en), (_, zh)) in EN.iter().zip(ZH_CN) {
            for hole in ["{name}", "{min}", "{code}"] {
                assert_eq!(en.contains(hole), zh.contains(hole), "{key}: {hole}");
            }
        }
    }

    #[test]
    fn every_string_the_script_asks_for_exists() {
        let script = include_str!("../../../assets/cast/cast.js");
        let mut asked = 0;
        for (at, _) in script.match_indices("t('") {
            // `t(` itself, not `get(` or `.t(`.
            let before = script[..at].chars().next_back().unwrap_or(' ');
            if before.is_alphanumeric() || "_.$".contains(before) {
                continue;
            }
            let key = script[at + 3..].split('\'').next().unwrap_or_default();
            assert!(
                EN.iter().any(|(k, _)| *k == key),
                "cast.js asks for {key:?}"
            );
            asked += 1;
        }
        // Keys built from an error code or an end reason.
        for prefix in ["err_", "end_"] {
            assert!(script.contains(&format!("'{prefix}' +")), "{prefix} keys");
        }
        assert!(asked > 10);
    }

    #[test]
    fn the_query_wins_then_the_browsers_preference() {
        assert_eq!(Lang::choose(Some("zh-CN"), Some("en")), Lang::ZhCn);
        assert_eq!(Lang::choose(Some("en"), Some("zh-CN")), Lang::En);
        assert_eq!(Lang::choose(Some("fr"), Some("zh-CN,zh;q=0.9")), Lang::ZhCn);
        assert_eq!(Lang::choose(None, Some("zh-TW")), Lang::ZhCn);
        assert_eq!(
            Lang::choose(None, Some("fr-FR, zh;q=0.8, en;q=0.5")),
            Lang::ZhCn
        );
        assert_eq!(
            Lang::choose(None, Some("en-US,en;q=0.9,zh-CN;q=0.8")),
            Lang::En
        );
        assert_eq!(Lang::choose(None, Some("zh;q=0, en;q=0.1")), Lang::En);
        assert_eq!(Lang::choose(None, Some("de, fr")), Lang::En);
        assert_eq!(Lang::choose(None, Some(";;,,q=x")), Lang::En);
        assert_eq!(Lang::choose(None, None), Lang::En);
    }
}
