use super::*;
use crate::clock::ManualClock;

async fn accounts() -> (Arc<Accounts>, Arc<ManualClock>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::store::open_for_test(dir.path()).await;
    let clock = ManualClock::new();
    store.create_enterprise("Acme", 0).await.unwrap();
    (Accounts::new(store, clock.clone()), clock, dir)
}

fn session(outcome: SignIn) -> String {
    match outcome {
        SignIn::Session(id) => id,
        other => panic!("no session: {other:?}"),
    }
}

#[tokio::test]
async fn a_password_signs_in_and_a_session_lasts_eight_hours() {
    let (accounts, clock, _dir) = accounts().await;
    let weak = accounts
        .create("Acme", "Ada", None, Role::Admin, "password")
        .await;
    assert!(
        matches!(
            weak,
            Err(CloudError::Coded {
                code: "weak_password",
                ..
            })
        ),
        "{weak:?}"
    );
    let ada = accounts
        .create(
            "Acme",
            " Ada ",
            Some("Ada Lovelace"),
            Role::Admin,
            "Engine#42",
        )
        .await
        .unwrap();
    assert_eq!((ada.username.as_str(), ada.role), ("ada", Role::Admin));
    let again = accounts
        .create("Acme", "ADA", None, Role::User, "Engine#42")
        .await;
    assert!(
        matches!(again, Err(CloudError::Exists("account"))),
        "{again:?}"
    );
    assert_eq!(
        accounts.sign_in("nobody", "Engine#42").await.unwrap(),
        SignIn::Wrong
    );
    let id = session(accounts.sign_in("ADA", "Engine#42").await.unwrap());
    let signed_in = accounts.session(&id).await.expect("a live session");
    assert_eq!(signed_in.account.display_name, "Ada Lovelace");
    assert!(accounts.session("rcc_forged").await.is_none());
    clock.advance_secs(SESSION_SECS);
    assert!(accounts.session(&id).await.is_none(), "expired");
    let id = session(accounts.sign_in("ada", "Engine#42").await.unwrap());
    let signed_in = accounts.session(&id).await.unwrap();
    accounts.sign_out(&signed_in).await.unwrap();
    assert!(accounts.session(&id).await.is_none(), "signed out");
}

#[tokio::test]
async fn three_wrong_passwords_lock_the_account_for_three_minutes() {
    let (accounts, clock, _dir) = accounts().await;
    accounts
        .create("Acme", "bo", None, Role::User, "Meeting-9")
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            accounts.sign_in("bo", "guess").await.unwrap(),
            SignIn::Wrong
        );
    }
    assert_eq!(
        accounts.sign_in("bo", "guess").await.unwrap(),
        SignIn::Locked(LOCK_SECS as u64)
    );
    clock.advance_secs(60);
    assert_eq!(
        accounts.sign_in("bo", "Meeting-9").await.unwrap(),
        SignIn::Locked(120),
        "even the right password"
    );
    clock.advance_secs(120);
    // The lock ran out: one wrong password does not lock again.
    assert_eq!(
        accounts.sign_in("bo", "guess").await.unwrap(),
        SignIn::Wrong
    );
    session(accounts.sign_in("bo", "Meeting-9").await.unwrap());
    // And a right one starts the count again.
    for _ in 0..2 {
        assert_eq!(
            accounts.sign_in("bo", "guess").await.unwrap(),
            SignIn::Wrong
        );
    }
    session(accounts.sign_in("bo", "Meeting-9").await.unwrap());
}

#[tokio::test]
async fn a_new_password_ends_the_other_sessions() {
    let (accounts, _clock, _dir) = accounts().await;
    accounts
        .create("Acme", "cy", None, Role::Admin, "First-pass1")
        .await
        .unwrap();
    let here = session(accounts.sign_in("cy", "First-pass1").await.unwrap());
    let there = session(accounts.sign_in("cy", "First-pass1").await.unwrap());
    let signed_in = accounts.session(&here).await.unwrap();
    let wrong = accounts
        .change_password(&signed_in, "nope", "Second-pass2")
        .await;
    assert!(matches!(
        wrong,
        Err(CloudError::Coded {
            code: "wrong_password",
            ..
        })
    ));
    let weak = accounts
        .change_password(&signed_in, "First-pass1", "short")
        .await;
    assert!(matches!(
        weak,
        Err(CloudError::Coded {
            code: "weak_password",
            ..
        })
    ));
    accounts
        .change_password(&signed_in, "First-pass1", "Second-pass2")
        .await
        .unwrap();
    assert!(accounts.session(&here).await.is_some(), "this one stays");
    assert!(accounts.session(&there).await.is_none(), "the other ends");
    assert_eq!(
        accounts.sign_in("cy", "First-pass1").await.unwrap(),
        SignIn::Wrong
    );
    session(accounts.sign_in("cy", "Second-pass2").await.unwrap());
}
