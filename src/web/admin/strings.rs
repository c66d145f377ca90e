//! The web admin's words in both languages, and which one a request gets:
//! `?lang=` (kept in a cookie), else the browser's `Accept-Language`,
//! else Chinese, as the room's own screen out of the box. One struct per
//! language, so a word missing in one is a compile error.

use axum::http::HeaderMap;

/// The cookie that keeps a chosen language.
pub const LANG_COOKIE: &str = "roomterm_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `?lang=` first, then the cookie, then `Accept-Language`.
    pub fn of(query: Option<&str>, headers: &HeaderMap) -> Self {
        let chosen = query.or_else(|| roomterm_http_guard::pages::cookie(headers, LANG_COOKIE));
        match chosen {
            Some("en") => return Lang::En,
            Some("zh") => return Lang::Zh,
            _ => {}
        }
        let accept = roomterm_http_guard::pages::accept_language(headers).unwrap_or("zh");
        let first = accept
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The other language's code and name, for the switch.
    pub fn other(self) -> (&'static str, &'static str) {
        match self {
            Lang::Zh => ("en", "English"),
            Lang::En => ("zh", "中文"),
        }
    }

    pub fn words(self) -> &'static Words {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }
}

impl Lang {
    /// A status line's state code in words (an unknown code as it is: the
    /// control API's codes are documented).
    pub fn state(self, code: &str) -> &str {
        let (en, zh) = match code {
            "connected" => ("connected", "已连接"),
            "connecting" => ("connecting", "连接中"),
            "disconnected" => ("disconnected", "已断开"),
            "no_address" => ("no address", "无地址"),
            "not_activated" => ("not activated", "未激活"),
            "not_configured" => ("not configured", "未配置"),
            "registered" => ("registered", "已注册"),
            "registering" => ("registering", "注册中"),
            "unreachable" | "server_unreachable" => ("unreachable", "无法连接"),
            "wrong_credentials" => ("wrong credentials", "凭据错误"),
            "none" => ("none", "无"),
            "calling" => ("calling", "呼叫中"),
            "ringing" => ("ringing", "振铃中"),
            "reconnecting" => ("reconnecting", "重新连接中"),
            "incoming" => ("incoming call", "来电"),
            "in_call" => ("in a call", "通话中"),
            "ended" => ("ended", "已结束"),
            "showing" => ("showing", "投屏中"),
            "good" => ("good", "良好"),
            "fair" => ("fair", "一般"),
            "poor" => ("poor", "较差"),
            _ => return code_as_is(code),
        };
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

fn code_as_is(code: &str) -> &str {
    code
}

impl Lang {
    /// An error code of the wizard's checks, the server's, the
    /// activation's, in words.
    pub fn error(self, code: &str) -> &'static str {
        let (en, zh) = match code {
            "invalid_address" => (
                "The address is not an IP address with a prefix, e.g. 192.168.1.20/24.",
                "地址不是带前缀长度的 IP 地址，例如 192.168.1.20/24。",
            ),
            "invalid_gateway" => ("The gateway is not an IP address.", "网关不是 IP 地址。"),
            "gateway_outside_subnet" => (
                "The gateway is outside the address's network.",
                "网关不在该地址所在的网段内。",
            ),
            "invalid_dns" => ("A DNS server is not an IP address.", "DNS 服务器不是 IP 地址。"),
            "not_https" => (
                "The server must be an https:// address.",
                "服务器地址必须以 https:// 开头。",
            ),
            "already_activated" => (
                "This terminal is activated: a factory reset is needed to move it to another cloud.",
                "本终端已激活，需恢复出厂设置后才能更换云端。",
            ),
            _ => (
                "The server is not an address like https://10.0.0.5:8443.",
                "服务器地址格式应类似 https://10.0.0.5:8443。",
            ),
        };
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

pub struct Words {
    pub product: &'static str,
    pub sign_in: &'static str,
    pub user: &'static str,
    pub password: &'static str,
    pub wrong_password: &'static str,
    /// Followed by the minutes left.
    pub locked: &'static str,
    pub minutes: &'static str,
    pub sign_out: &'static str,
    pub change_password: &'static str,
    pub forced_change: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub repeat_password: &'static str,
    pub rule: &'static str,
    pub not_repeated: &'static str,
    pub too_short: &'static str,
    pub too_long: &'static str,
    pub too_plain: &'static str,
    pub factory_password: &'static str,
    pub wrong_current: &'static str,
    pub not_saved: &'static str,
    pub save: &'static str,
    pub media_udp: &'static str,
    pub sip_after_activation: &'static str,
    pub no_server: &'static str,
    pub answered: &'static str,
    pub outcome: &'static str,
    pub target: &'static str,
    pub check: &'static str,
    pub reachability_hint: &'static str,
    pub reachability: &'static str,
    pub server_locked: &'static str,
    pub activated_with: &'static str,
    pub server_saved: &'static str,
    pub server: &'static str,
    pub network_saved: &'static str,
    pub network_hint: &'static str,
    pub dns: &'static str,
    pub gateway: &'static str,
    pub address: &'static str,
    pub static_address: &'static str,
    pub dhcp: &'static str,
    pub settings: &'static str,
    pub status: &'static str,
    pub remote: &'static str,
    pub diagnostics: &'static str,
    pub maintenance: &'static str,
    pub device: &'static str,
    pub serial: &'static str,
    pub room: &'static str,
    pub number: &'static str,
    pub version: &'static str,
    pub network: &'static str,
    pub cloud: &'static str,
    pub sip: &'static str,
    pub call: &'static str,
    pub casting: &'static str,
    pub update: &'static str,
    pub none: &'static str,
    pub stream: &'static str,
    pub audio: &'static str,
    pub video: &'static str,
    pub jitter: &'static str,
    pub rtt: &'static str,
    pub loss_out: &'static str,
    pub loss_in: &'static str,
    pub kbps_out: &'static str,
    pub kbps_in: &'static str,
    pub recovered: &'static str,
    pub key_frames: &'static str,
    pub quality: &'static str,
    pub remote_hint: &'static str,
    pub keys: &'static str,
    pub call_key: &'static str,
    pub hang_up_key: &'static str,
    pub mute_key: &'static str,
    pub bundle: &'static str,
    pub bundle_hint: &'static str,
    pub download: &'static str,
    pub logs: &'static str,
    pub no_logs: &'static str,
    pub factory_reset: &'static str,
    pub factory_reset_hint: &'static str,
    pub factory_reset_confirm: &'static str,
    pub factory_reset_done: &'static str,
    pub restart: &'static str,
    pub restart_hint: &'static str,
    pub restarting: &'static str,
    pub cannot_restart: &'static str,
}

pub const EN: Words = Words {
    product: "Room terminal",
    sign_in: "Sign in",
    user: "User",
    password: "Password",
    wrong_password: "Wrong user or password.",
    locked: "Too many wrong passwords. Signing in is locked for",
    minutes: "min",
    sign_out: "Sign out",
    change_password: "Change password",
    forced_change: "This terminal still has its factory password. Choose your own before going on.",
    current_password: "Current password",
    new_password: "New password",
    repeat_password: "New password again",
    rule: "At least 8 characters, with three of: upper case, lower case, digits, symbols.",
    not_repeated: "The two new passwords differ.",
    too_short: "The new password needs at least 8 characters.",
    too_long: "The new password may have at most 128 characters.",
    too_plain: "The new password needs three of: upper case, lower case, digits, symbols.",
    factory_password: "The new password cannot be the factory password.",
    wrong_current: "The current password is wrong.",
    not_saved: "The password could not be saved. Try again.",
    save: "Save",
    media_udp: "Media (UDP echo)",
    sip_after_activation: "SIP is checked once the terminal is activated.",
    no_server: "No server set yet.",
    answered: "answered",
    outcome: "Result",
    target: "Target",
    check: "Check",
    reachability_hint: "Tries the cloud's HTTPS port and its SIP port over UDP and TCP from here.",
    reachability: "Connection to the cloud",
    server_locked: "To move this terminal to another cloud, reset it to factory settings.",
    activated_with: "Activated with",
    server_saved: "Server saved: the terminal activates with it.",
    server: "Server",
    network_saved: "Network saved and applied.",
    network_hint: "Applied at once: the page may move to the new address.",
    dns: "DNS",
    gateway: "Gateway",
    address: "Address",
    static_address: "Static address",
    dhcp: "Automatic (DHCP)",
    settings: "Settings",
    status: "Status",
    remote: "Web remote",
    diagnostics: "Diagnostics",
    maintenance: "Maintenance",
    device: "Device",
    serial: "Serial number",
    room: "Room",
    number: "Number",
    version: "Software",
    network: "Network",
    cloud: "Cloud",
    sip: "SIP",
    call: "Call",
    casting: "Casting",
    update: "Update",
    none: "none",
    stream: "Streams",
    audio: "Audio",
    video: "Video",
    jitter: "Jitter",
    rtt: "Round trip",
    loss_out: "Loss out (reported)",
    loss_in: "Loss in",
    kbps_out: "Sent",
    kbps_in: "Received",
    recovered: "Recovered packets",
    key_frames: "Key frames asked",
    quality: "Quality",
    remote_hint: "The room's screen, live. Click it to tap; use the keys as the remote's.",
    keys: "Remote keys",
    call_key: "Call",
    hang_up_key: "Hang up",
    mute_key: "Mute",
    bundle: "Diagnostic bundle",
    bundle_hint: "Logs, settings without secrets, versions and a self-check, in one file for support.",
    download: "Download",
    logs: "Recent log",
    no_logs: "No log lines yet.",
    factory_reset: "Factory reset",
    factory_reset_hint: "Erases the activation, settings, logs and this password. The terminal starts its setup again.",
    factory_reset_confirm: "I understand that everything on this terminal is erased",
    factory_reset_done: "Reset done. The terminal shows its setup; this password is Change_Me again.",
    restart: "Restart",
    restart_hint: "Restarts the terminal's software (a call in progress ends).",
    restarting: "Restarting. This page comes back in a few seconds.",
    cannot_restart: "This terminal is not run by a service manager that restarts it.",
};

pub const ZH: Words = Words {
    product: "会议室终端",
    sign_in: "登录",
    user: "用户名",
    password: "密码",
    wrong_password: "用户名或密码错误。",
    locked: "密码错误次数过多，登录已锁定",
    minutes: "分钟",
    sign_out: "退出登录",
    change_password: "修改密码",
    forced_change: "本终端仍在使用出厂密码，请先设置新密码再继续。",
    current_password: "当前密码",
    new_password: "新密码",
    repeat_password: "再次输入新密码",
    rule: "至少 8 个字符，包含大写字母、小写字母、数字、符号中的三种。",
    not_repeated: "两次输入的新密码不一致。",
    too_short: "新密码至少需要 8 个字符。",
    too_long: "新密码最多 128 个字符。",
    too_plain: "新密码需包含大写字母、小写字母、数字、符号中的三种。",
    factory_password: "新密码不能与出厂密码相同。",
    wrong_current: "当前密码错误。",
    not_saved: "密码未能保存，请重试。",
    save: "保存",
    media_udp: "媒体（UDP 回显）",
    sip_after_activation: "终端激活后才会检测 SIP。",
    no_server: "尚未设置服务器。",
    answered: "已应答",
    outcome: "结果",
    target: "目标",
    check: "检测",
    reachability_hint: "从本终端测试云端的 HTTPS 端口，以及 SIP 端口的 UDP 和 TCP。",
    reachability: "云端连通性",
    server_locked: "如需更换云端，请先恢复出厂设置。",
    activated_with: "已激活到",
    server_saved: "服务器已保存，终端将向其激活。",
    server: "服务器",
    network_saved: "网络设置已保存并生效。",
    network_hint: "立即生效：本页面可能需要用新地址打开。",
    dns: "DNS",
    gateway: "网关",
    address: "地址",
    static_address: "静态地址",
    dhcp: "自动获取（DHCP）",
    settings: "设置",
    status: "状态",
    remote: "网页遥控器",
    diagnostics: "诊断",
    maintenance: "维护",
    device: "设备",
    serial: "序列号",
    room: "会议室",
    number: "号码",
    version: "软件版本",
    network: "网络",
    cloud: "云端",
    sip: "SIP",
    call: "通话",
    casting: "投屏",
    update: "升级",
    none: "无",
    stream: "媒体流",
    audio: "音频",
    video: "视频",
    jitter: "抖动",
    rtt: "往返时延",
    loss_out: "发送丢包（对端报告）",
    loss_in: "接收丢包",
    kbps_out: "发送",
    kbps_in: "接收",
    recovered: "已恢复的包",
    key_frames: "请求关键帧",
    quality: "质量",
    remote_hint: "会议室屏幕实时画面。点击画面即触摸，按键与遥控器相同。",
    keys: "遥控器按键",
    call_key: "呼叫",
    hang_up_key: "挂断",
    mute_key: "静音",
    bundle: "诊断包",
    bundle_hint: "日志、不含密钥的配置、版本信息和自检结果，打包为一个文件供技术支持使用。",
    download: "下载",
    logs: "最近日志",
    no_logs: "暂无日志。",
    factory_reset: "恢复出厂设置",
    factory_reset_hint: "清除激活信息、设置、日志和本密码，终端将重新开始初始设置。",
    factory_reset_confirm: "我已知晓终端上的所有数据都将被清除",
    factory_reset_done: "已恢复出厂设置。终端显示初始设置；本页密码恢复为 Change_Me。",
    restart: "重启",
    restart_hint: "重启终端软件（进行中的通话将结束）。",
    restarting: "正在重启，几秒后本页将恢复。",
    cannot_restart: "本终端不由服务管理器运行，无法自动重启。",
};

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_query_then_the_cookie_then_the_browser_choose() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of(None, &h), Lang::Zh);
        h.insert(
            "accept-language",
            HeaderValue::from_static("en-GB,en;q=0.8"),
        );
        assert_eq!(Lang::of(None, &h), Lang::En);
        h.insert("cookie", HeaderValue::from_static("roomterm_lang=zh"));
        assert_eq!(Lang::of(None, &h), Lang::Zh);
        assert_eq!(Lang::of(Some("en"), &h), Lang::En);
    }
}
