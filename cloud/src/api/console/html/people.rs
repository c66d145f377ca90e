//! The accounts page: an account just made (its first password shown
//! once), the add form, the list.

use maud::{html, Markup};

use super::{csrf, frame, when, Notice, Section};
use crate::accounts::{AccountView, Role};
use crate::api::console::strings::text;
use crate::api::console::Console;

/// An account just added, with the password to pass on.
pub struct Created {
    pub username: String,
    pub password: String,
}

pub fn page(
    console: &Console,
    people: &[AccountView],
    notice: Option<Notice>,
    created: Option<&Created>,
) -> Markup {
    let t = |key| text(console.lang, key);
    frame(
        console,
        Section::Accounts,
        notice,
        html! {
            @if let Some(created) = created {
                section.issued {
                    div {
                        h2 { (created.username) }
                        dl { dt { (t("first_password")) } dd.code #first-password { (created.password) } }
                        p.hint { (t("first_password_hint")) }
                    }
                }
            }
            form.add method="post" action="/console/accounts" {
                (csrf(console))
                h2 { (t("add_account")) }
                label { (t("username")) input #new-username name="username" required maxlength="64"
                    autocomplete="off" spellcheck="false" autocapitalize="none"; }
                label { (t("display_name")) input name="display_name" maxlength="64"; }
                label { (t("role"))
                    select name="role" {
                        option value="user" { (t("role_user")) }
                        option value="admin" { (t("role_admin")) }
                    }
                }
                button #add-account type="submit" { (t("add")) }
            }
            div.table {
                table #accounts {
                    thead { tr {
                        th { (t("username")) } th { (t("display_name")) } th { (t("role")) }
                        th { (t("since")) } th {}
                    } }
                    tbody {
                        @for a in people {
                            tr data-username=(a.username) {
                                td.code { (a.username) }
                                td { (a.display_name) }
                                td { (t(if a.role == Role::Admin { "role_admin" } else { "role_user" })) }
                                td { (when(a.created_at, 0)) " UTC" }
                                td {
                                    @if a.username != console.me.account.username {
                                        form.inline method="post" action=(format!("/console/accounts/{}/remove", a.username)) {
                                            (csrf(console))
                                            label { input type="checkbox" required; " " (t("remove_confirm")) }
                                            button.danger type="submit" { (t("remove")) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
