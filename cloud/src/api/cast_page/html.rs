//! The casting page's markup (maud: checked at compile time, escaped by
//! default). Its look is `assets/cast/cast.css`, its behaviour
//! `assets/cast/cast.js`; which parts show follows `body[data-state]`.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::strings::Lang;

/// The page, in `lang`, with `code` filled in when the link carried one.
pub fn page(lang: Lang, code: Option<&str>, css: &str, js: &str) -> Markup {
    let t = |key| lang.text(key);
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (t("title")) " · roomterm" }
                // No favicon request (a 404 in every log).
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(css);
                script type="application/json" #strings { (PreEscaped(strings_json(lang))) }
                script src=(js) defer {}
            }
            body data-state="idle" {
                main.card {
                    header {
                        h1 { (t("title")) }
                        nav.lang aria-label=(t("language")) {
                            a href="?lang=en" hreflang="en" lang="en"
                                aria-current=[(lang == Lang::En).then_some("true")] { "English" }
                            a href="?lang=zh-CN" hreflang="zh-CN" lang="zh-CN"
                                aria-current=[(lang == Lang::ZhCn).then_some("true")] { "中文" }
                        }
                    }
                    p.lead { (t("lead")) }
                    noscript { p.notice { (t("noscript")) } }
                    form #form novalidate {
                        label for="code" { (t("code_label")) }
                        input #code name="code" type="text" inputmode="numeric"
                            autocomplete="one-time-code" maxlength="16" placeholder="000 000"
                            aria-describedby="code-hint" value=[code] autofocus[code.is_none()];
                        small #code-hint { (t("code_hint")) }
                        label for="name" { (t("name_label")) }
                        input #name name="name" type="text" maxlength="40" autocomplete="nickname"
                            placeholder=(t("default_name")) aria-describedby="name-hint"
                            autofocus[code.is_some()];
                        small #name-hint { (t("name_hint")) }
                        button #share type="submit" { (t("share")) }
                    }
                    p #status role="status" aria-live="polite" {}
                    div.actions {
                        button #take-over type="button" { (t("take_over")) }
                        button #cancel.secondary type="button" { (t("cancel")) }
                        button #stop type="button" { (t("stop")) }
                    }
                    footer { (t("footer")) }
                }
            }
        }
    }
}

/// The strings the script uses, as JSON safe inside `<script>`: a `<`
/// could close the element, so it is written `\u003c`.
fn strings_json(lang: Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> = lang
        .table()
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    serde_json::Value::Object(map)
        .to_string()
        .replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_carries_the_controls_and_its_strings() {
        let html = page(Lang::En, Some("123456"), "/c.css", "/c.js").into_string();
        for id in [
            "code",
            "name",
            "share",
            "stop",
            "take-over",
            "status",
            "strings",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "#{id}");
        }
        assert!(html.contains("value=\"123456\""));
        assert!(html.contains("data-state=\"idle\""));
        assert!(html.contains("<html lang=\"en\">"));
        // No inline script runs: the only script elements are data and a file.
        assert_eq!(html.matches("<script").count(), 2);
        assert!(
            html.contains("<script id=\"strings\" type=\"application/json\">{"),
            "{html}"
        );
        assert!(html.contains("<script src=\"/c.js\" defer></script>"));
        assert!(!html.contains("style="), "styles live in the stylesheet");
    }

    #[test]
    fn the_code_is_escaped_and_cannot_close_the_strings() {
        let html = page(Lang::ZhCn, Some("\"><script>"), "/c.css", "/c.js").into_string();
        assert!(!html.contains("\"><script>"));
        assert!(html.contains("<html lang=\"zh-CN\">"));
        assert!(!strings_json(Lang::ZhCn).contains('<'));
    }
}
