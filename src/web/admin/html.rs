//! The web admin's markup (maud): one frame (title, the sections, the
//! language switch, a notice) and a function per page. Its look is
//! `assets/admin/admin.css`; `admin.js` makes the status live and runs
//! the web remote, and every page but the remote works without it.

use maud::{html, Markup, DOCTYPE};

use super::strings::Lang;
use crate::status::StatusView;

/// The signed-in pages, as the sections list them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Status,
    Remote,
    Settings,
    Diagnostics,
    Maintenance,
    Password,
}

/// A line above the page's content: what a form did, or why not.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

impl Notice {
    pub fn ok(text: &str) -> Self {
        Self {
            ok: true,
            text: text.into(),
        }
    }

    pub fn error(text: &str) -> Self {
        Self {
            ok: false,
            text: text.into(),
        }
    }
}

/// What every signed-in page is drawn with.
pub struct Frame<'a> {
    pub lang: Lang,
    pub csrf: &'a str,
    pub sn: String,
    pub notice: Option<Notice>,
}

fn document(lang: Lang, title: &str, body: Markup) -> Markup {
    let (css, js) = super::asset_urls();
    html! {
        (DOCTYPE)
        html lang=(if lang == Lang::Zh { "zh-CN" } else { "en" }) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (lang.words().product) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(css);
                script src=(js) defer {}
            }
            body { (body) }
        }
    }
}

fn lang_switch(lang: Lang) -> Markup {
    let (code, name) = lang.other();
    html! {
        a.lang href={ "?lang=" (code) } hreflang=(code) lang=(code) { (name) }
    }
}

fn notice(notice: &Option<Notice>) -> Markup {
    html! {
        @if let Some(n) = notice {
            p.notice.ok[n.ok].error[!n.ok] role=(if n.ok { "status" } else { "alert" }) { (n.text) }
        }
    }
}

/// A signed-in page: the bar with the sections, then `content`.
fn page(frame: &Frame, section: Section, title: &str, content: Markup) -> Markup {
    let w = frame.lang.words();
    let link = |s: Section, href: &str, label: &str| {
        html! { a href=(href) aria-current=[(s == section).then_some("page")] { (label) } }
    };
    let body = html! {
        header.bar {
            span.product { (w.product) " " span.sn { (&frame.sn) } }
            nav.sections {
                (link(Section::Status, "/", w.status))
                (link(Section::Remote, "/remote", w.remote))
                (link(Section::Settings, "/settings", w.settings))
                (link(Section::Diagnostics, "/diagnostics", w.diagnostics))
                (link(Section::Maintenance, "/maintenance", w.maintenance))
                (link(Section::Password, "/password", w.change_password))
            }
            div.who {
                (lang_switch(frame.lang))
                form method="post" action="/sign-out" {
                    input type="hidden" name="csrf" value=(frame.csrf);
                    button.link type="submit" { (w.sign_out) }
                }
            }
        }
        main data-csrf=(frame.csrf) {
            h1 { (title) }
            (notice(&frame.notice))
            (content)
        }
    };
    document(frame.lang, title, body)
}

pub fn sign_in(lang: Lang, message: Option<Notice>) -> Markup {
    let w = lang.words();
    let body = html! {
        main.narrow {
            div.card {
                h1 { (w.product) " · " (w.sign_in) }
                (notice(&message))
                form method="post" action="/sign-in" {
                    label { (w.user) input name="user" autocomplete="username" value="admin" required; }
                    label { (w.password) input name="password" type="password" autocomplete="current-password" required autofocus; }
                    button type="submit" { (w.sign_in) }
                }
                p { (lang_switch(lang)) }
            }
        }
    };
    document(lang, w.sign_in, body)
}

pub fn password(frame: &Frame, forced: bool) -> Markup {
    let w = frame.lang.words();
    let content = html! {
        @if forced { p.notice.warn role="alert" { (w.forced_change) } }
        form.card method="post" action="/password" {
            input type="hidden" name="csrf" value=(frame.csrf);
            label { (w.current_password) input name="current" type="password" autocomplete="current-password" required; }
            label { (w.new_password) input name="new" type="password" autocomplete="new-password" required minlength="8"; }
            label { (w.repeat_password) input name="repeat" type="password" autocomplete="new-password" required minlength="8"; }
            p.hint { (w.rule) }
            button type="submit" { (w.save) }
        }
    };
    page(frame, Section::Password, w.change_password, content)
}

fn line(lang: Lang, state: &str, reason: Option<&str>) -> Markup {
    let good = matches!(state, "connected" | "registered" | "in_call" | "showing");
    html! {
        span.state.good[good].idle[state == "none"] data-state=(state) { (lang.state(state)) }
        @if let Some(reason) = reason { " " span.reason { (reason) } }
    }
}

fn stream_row(name: &str, f: &crate::media::StreamFigures) -> Markup {
    let kbps = |v: Option<u32>| v.map_or("–".into(), |v| format!("{v} kbit/s"));
    let ms = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.0} ms"));
    html! {
        tr {
            th { (name) }
            td { (kbps(f.kbps_in)) } td { (kbps(f.kbps_out)) }
            td { (percent(f.loss_in)) } td { (percent(f.loss_out)) }
            td { (ms(Some(f.jitter_ms))) } td { (ms(f.rtt_ms)) }
        }
    }
}

fn percent(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{:.1} %", v * 100.0))
}

pub fn status(frame: &Frame, view: &StatusView) -> Markup {
    let w = frame.lang.words();
    let quality = view.call.quality.as_ref();
    let content = html! {
        div.live data-live="status" {
            section.card {
                h2 { (w.device) }
                dl {
                    dt { (w.serial) } dd { (view.sn) }
                    dt { (w.room) } dd { (view.room_name.as_deref().unwrap_or("–")) }
                    dt { (w.number) } dd { (view.number.as_deref().unwrap_or("–")) }
                    dt { (w.version) } dd { (crate::app::service::release()) }
                }
            }
            section.card {
                h2 { (w.network) }
                dl {
                    dt { (w.network) } dd { (line(frame.lang, view.network.state, view.network.reason.as_deref())) }
                    dt { (w.cloud) } dd #cloud { (line(frame.lang, view.provisioning.state, view.provisioning.reason.as_deref())) }
                    dt { (w.sip) } dd #sip { (line(frame.lang, view.sip.state, view.sip.reason.as_deref())) }
                }
            }
            section.card {
                h2 { (w.call) }
                dl {
                    dt { (w.call) } dd #call { (line(frame.lang, view.call.state, view.call.reason.as_deref())) }
                    dt { (w.casting) } dd { (line(frame.lang, view.cast.state, view.cast.caster.as_deref())) }
                    dt { (w.update) }
                    dd { @match &view.update {
                        Some(u) => { (u.version) " " (u.state) @if let Some(p) = u.progress { " " (p) " %" } }
                        None => { (w.none) }
                    } }
                }
            }
            @if let Some(q) = quality {
                section.card.wide {
                    h2 { (w.stream) }
                    table.streams #streams {
                        thead { tr {
                            th {} th { (w.kbps_in) } th { (w.kbps_out) } th { (w.loss_in) }
                            th { (w.loss_out) } th { (w.jitter) } th { (w.rtt) }
                        } }
                        tbody {
                            (stream_row(w.audio, &q.audio))
                            (stream_row(w.video, &q.video))
                        }
                    }
                    p.hint {
                        (w.quality) " " (frame.lang.state(&format!("{:?}", q.level).to_lowercase())) " · "
                        (w.recovered) " " (q.recovered_packets) " · "
                        (w.key_frames) " " (q.key_frame_requests)
                    }
                }
            }
        }
    };
    page(frame, Section::Status, w.status, content)
}

pub fn remote(frame: &Frame) -> Markup {
    let w = frame.lang.words();
    let key =
        |name: &str, label: &str| html! { button.key type="button" data-key=(name) { (label) } };
    let content = html! {
        p.hint { (w.remote_hint) }
        div.remote {
            div.screen {
                img #screen alt=(w.remote) src="/api/v1/screen";
            }
            div.keys role="group" aria-label=(w.keys) {
                div.dpad {
                    span {} (key("up", "▲")) span {}
                    (key("left", "◀")) (key("ok", "OK")) (key("right", "▶"))
                    span {} (key("down", "▼")) span {}
                }
                div.row { (key("back", "↩")) (key("home", "⌂")) (key("volume_down", "−")) (key("volume_up", "+")) }
                div.row.digits {
                    @for d in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"] {
                        (key(&format!("digit{d}"), d))
                    }
                }
                div.row { (key("call", w.call_key)) (key("hang_up", w.hang_up_key)) (key("mute", w.mute_key)) }
            }
        }
    };
    page(frame, Section::Remote, w.remote, content)
}

/// What the Settings page shows.
pub struct SettingsView {
    pub network: crate::store::NetworkSettings,
    /// The wizard's server (before activation).
    pub server_url: String,
    /// The cloud it is activated with, if it is.
    pub activated_with: Option<String>,
}

pub fn settings(frame: &Frame, view: &SettingsView) -> Markup {
    use crate::store::NetworkSettings;
    let w = frame.lang.words();
    let (dhcp, address, gateway, dns) = match &view.network {
        NetworkSettings::Dhcp => (true, "", "", &[][..]),
        NetworkSettings::Static {
            address,
            gateway,
            dns,
        } => (false, address.as_str(), gateway.as_str(), dns.as_slice()),
    };
    let dns_at = |i: usize| dns.get(i).map_or("", String::as_str);
    let content = html! {
        form.card #network method="post" action="/settings/network" {
            h2 { (w.network) }
            input type="hidden" name="csrf" value=(frame.csrf);
            label.check { input type="radio" name="mode" value="dhcp" checked[dhcp]; " " (w.dhcp) }
            label.check { input type="radio" name="mode" value="static" checked[!dhcp]; " " (w.static_address) }
            div.fields {
                label { (w.address) input name="address" value=(address) placeholder="192.168.1.20/24"; }
                label { (w.gateway) input name="gateway" value=(gateway) placeholder="192.168.1.1"; }
                label { (w.dns) " 1" input name="dns1" value=(dns_at(0)) placeholder="192.168.1.1"; }
                label { (w.dns) " 2" input name="dns2" value=(dns_at(1)); }
            }
            p.hint { (w.network_hint) }
            button type="submit" { (w.save) }
        }
        form.card #server method="post" action="/settings/server" {
            h2 { (w.server) }
            input type="hidden" name="csrf" value=(frame.csrf);
            @match &view.activated_with {
                Some(url) => {
                    p { (w.activated_with) " " code { (url) } }
                    p.hint { (w.server_locked) }
                }
                None => {
                    label { (w.server) input name="url" value=(view.server_url) placeholder="https://10.0.0.5:8443" required; }
                    button type="submit" { (w.save) }
                }
            }
        }
    };
    page(frame, Section::Settings, w.settings, content)
}

pub fn diagnostics(
    frame: &Frame,
    log: &[String],
    reach: Option<&crate::app::Reachability>,
) -> Markup {
    let w = frame.lang.words();
    let ms = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.0} ms"));
    let content = html! {
        section.card #reachability {
            h2 { (w.reachability) }
            p { (w.reachability_hint) }
            form method="post" action="/diagnostics/check" {
                input type="hidden" name="csrf" value=(frame.csrf);
                button type="submit" { (w.check) }
            }
            @if let Some(reach) = reach {
                table.streams {
                    thead { tr { th { (w.target) } th { (w.outcome) } th { (w.rtt) } } }
                    tbody {
                        @match &reach.api {
                            Some(ping) => tr data-check="api" data-ok=(ping.answered > 0) {
                                th { (w.cloud) " (HTTPS) " code { (ping.target) } }
                                td { (ping.answered) " / " (ping.sent) " " (w.answered)
                                     @if let Some(e) = &ping.error { " · " (e) } }
                                td { (ms(ping.avg_ms)) }
                            },
                            None => tr { th { (w.cloud) } td { (w.no_server) } td {} },
                        }
                        @for probe in &reach.sip {
                            tr data-check={ "sip-" (probe.transport) } data-ok=(probe.status.is_some()) {
                                th { "SIP " (probe.transport.to_uppercase()) " " code { (probe.target) } }
                                td { @match (probe.status, &probe.error) {
                                    (Some(code), _) => { (w.answered) " " (code) },
                                    (None, Some(e)) => { span.state { (e) } },
                                    (None, None) => {},
                                } }
                                td { (ms(probe.round_trip_ms)) }
                            }
                        }
                        @if let Some(media) = &reach.media {
                            tr data-check="media" data-ok=(media.answered) {
                                th { (w.media_udp) " " code { (media.target) } }
                                td { @if media.answered { (w.answered) }
                                     @else { span.state { (media.error.as_deref().unwrap_or("")) } } }
                                td { (ms(media.round_trip_ms)) }
                            }
                        }
                    }
                }
                @if reach.sip.is_empty() { p.hint { (w.sip_after_activation) } }
            }
        }
        section.card {
            h2 { (w.bundle) }
            p { (w.bundle_hint) }
            a.button #bundle href="/diagnostics/bundle" download { (w.download) }
        }
        section.card {
            h2 { (w.logs) }
            @if log.is_empty() { p { (w.no_logs) } }
            @else { pre.log { @for l in log { (l) "\n" } } }
        }
    };
    page(frame, Section::Diagnostics, w.diagnostics, content)
}

pub fn maintenance(frame: &Frame, can_restart: bool) -> Markup {
    let w = frame.lang.words();
    let content = html! {
        section.card {
            h2 { (w.restart) }
            @if can_restart {
                p { (w.restart_hint) }
                form method="post" action="/maintenance/restart" {
                    input type="hidden" name="csrf" value=(frame.csrf);
                    button type="submit" { (w.restart) }
                }
            } @else { p { (w.cannot_restart) } }
        }
        section.card.danger {
            h2 { (w.factory_reset) }
            p { (w.factory_reset_hint) }
            form method="post" action="/maintenance/factory-reset" {
                input type="hidden" name="csrf" value=(frame.csrf);
                label.check { input type="checkbox" name="confirm" value="yes" required; " " (w.factory_reset_confirm) }
                button.danger type="submit" { (w.factory_reset) }
            }
        }
    };
    page(frame, Section::Maintenance, w.maintenance, content)
}

/// A page after which nobody is signed in (a factory reset, a restart).
pub fn farewell(lang: Lang, text: &str) -> Markup {
    let w = lang.words();
    let body = html! {
        main.narrow {
            div.card {
                h1 { (w.product) }
                p.notice.ok role="status" { (text) }
                p { a href="/sign-in" { (w.sign_in) } }
            }
        }
    };
    document(lang, w.product, body)
}
