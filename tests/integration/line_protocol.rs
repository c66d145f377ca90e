//! A room controller drives a room over the line protocol, on a real TCP
//! connection: it must sign in (a wrong token refused, three close the
//! connection), reads the status, follows events as another room calls
//! in, answers, mutes (the caller stops hearing the room), sets the
//! volume, hangs up, dials out and sees the refusal's code; bad and
//! over-long lines are refused.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::common::room::Room;
use crate::common::{self};

const TOKEN: &str = "rtc_line_protocol_test_token";

struct Controller {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Controller {
    async fn connect(addr: std::net::SocketAddr) -> Self {
        let (read, writer) = TcpStream::connect(addr).await.unwrap().into_split();
        let mut controller = Self {
            reader: BufReader::new(read),
            writer,
        };
        let banner = controller.line().await.unwrap();
        assert!(banner.contains("xLogin"), "{banner}");
        controller
    }

    /// The next line, or `None` once the room closed the connection.
    async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        let n = tokio::time::timeout(Duration::from_secs(20), self.reader.read_line(&mut line))
            .await
            .expect("the room said nothing for 20 s")
            .unwrap();
        (n > 0).then(|| line.trim_end().to_string())
    }

    /// Sends `command`; the reply's lines up to `** end` (events that
    /// arrive in between are skipped).
    async fn send(&mut self, command: &str) -> Vec<String> {
        self.writer
            .write_all(format!("{command}\r\n").as_bytes())
            .await
            .unwrap();
        let mut reply = Vec::new();
        loop {
            let line = self.line().await.expect("closed");
            if line == "** end" {
                if reply.iter().any(|l: &String| !l.starts_with("*e")) {
                    return reply.into_iter().filter(|l| !l.starts_with("*e")).collect();
                }
                reply.clear();
                continue;
            }
            reply.push(line);
        }
    }

    /// Reads until an event line equal to `want` (30 s).
    async fn event(&mut self, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            let line = self.line().await.expect("closed");
            if line == want {
                return;
            }
            seen.push(line);
        }
        panic!("never got {want:?}; got {seen:?}");
    }
}

fn ok(reply: &[String], name: &str) {
    assert_eq!(reply, [format!("*r {name}Result (status=OK)")], "{reply:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_controller_answers_mutes_and_hangs_up_a_call_over_the_line_protocol() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let yellow = Room::start(
        dirs[0].path(),
        &cloud,
        &admin,
        "SN-L1",
        [255, 255, 0],
        440.0,
    )
    .await;
    let magenta = Room::start(
        dirs[1].path(),
        &cloud,
        &admin,
        "SN-L2",
        [255, 0, 255],
        660.0,
    )
    .await;
    let server = roomterm::line::LineServer::start(
        "127.0.0.1:0".parse().unwrap(),
        yellow.remote.terminal.clone(),
        TOKEN.into(),
    )
    .await
    .unwrap();

    // Signing in: nothing before it; three wrong tokens close the line.
    let mut wrong = Controller::connect(server.addr).await;
    let reply = wrong.send("xStatus").await;
    assert!(
        reply[0].contains("status=Error") && reply[0].contains("sign in"),
        "{reply:?}"
    );
    for _ in 0..2 {
        let reply = wrong.send("xLogin Token: guess").await;
        assert!(
            reply[0].starts_with("*r LoginResult (status=Error)"),
            "{reply:?}"
        );
    }
    wrong
        .writer
        .write_all(b"xLogin Token: guess\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    while let Some(line) = wrong.line().await {
        rest.push(line);
    }
    assert!(rest.iter().any(|l| l.contains("closing")), "{rest:?}");

    let mut line = Controller::connect(server.addr).await;
    ok(&line.send(&format!("xLogin Token: {TOKEN}")).await, "Login");
    let status = line.send("xStatus").await;
    assert!(
        status.contains(&"*s Sip Registration: registered".to_string()),
        "{status:?}"
    );
    assert!(
        status.contains(&"*s Call State: none".to_string()),
        "{status:?}"
    );
    ok(&line.send("xFeedback Register").await, "Feedback");

    // Standby from the controller: the screen is dark until a call rings.
    ok(&line.send("xCommand Standby Activate").await, "Standby");
    line.event("*e Standby State: Standby").await;
    assert_eq!(yellow.remote.get("/ui").await["standby"], true);

    // Magenta calls in: the controller hears of it, with the caller.
    magenta
        .remote
        .post("/dial", json!({ "number": yellow.number }))
        .await;
    line.event("*e Call State: incoming").await;
    line.event("*e Standby State: Off").await;
    ok(&line.send("xCommand Answer").await, "Answer");
    line.event("*e Call State: in_call").await;
    // A room in a call does not go to standby.
    let reply = line.send("xCommand Standby Activate").await;
    assert!(reply[0].contains("status=Error"), "{reply:?}");
    magenta.remote.call_state("in_call").await;
    let tones = [yellow.tone];
    let heard = common::levels_once(
        Duration::from_secs(5),
        || magenta.hears(&tones),
        |l| l[0] > 0.05,
    );
    assert!(heard[0] > 0.05, "magenta does not hear the room: {heard:?}");

    // Muted from the controller: the caller no longer hears the room.
    ok(&line.send("xCommand Mute State: On").await, "Mute");
    line.event("*e Audio Mute: On").await;
    let heard = common::levels_once(
        Duration::from_secs(5),
        || magenta.hears(&tones),
        |l| l[0] < 0.01,
    );
    assert!(heard[0] < 0.01, "still heard after the mute: {heard:?}");
    ok(&line.send("xCommand Volume Level: 30").await, "Volume");
    line.event("*e Audio Volume: 30").await;

    // Hung up from the controller; then it dials magenta, which declines.
    ok(&line.send("xCommand HangUp").await, "HangUp");
    line.event("*e Call State: ended").await;
    magenta.remote.call_state("ended").await;
    ok(
        &line
            .send(&format!("xCommand Dial Number: {}", magenta.number))
            .await,
        "Dial",
    );
    magenta.remote.call_state("incoming").await;
    magenta.remote.post("/call/decline", json!({})).await;
    line.event("*e Call Code: declined").await;

    // Bad lines are refused with a reason; a line past 1 KiB closes it.
    let reply = line.send("xCommand Volume Level: loud").await;
    assert!(reply[0].contains("bad value for Level"), "{reply:?}");
    let reply = line.send("xCommand Explode").await;
    assert!(reply[0].contains("unknown command"), "{reply:?}");
    let long = format!("xCommand Dial Number: {}\r\n", "9".repeat(2000));
    line.writer.write_all(long.as_bytes()).await.unwrap();
    let mut rest = Vec::new();
    while let Some(l) = line.line().await {
        rest.push(l);
    }
    assert!(rest.iter().any(|l| l.contains("line too long")), "{rest:?}");
    cloud.shutdown().await;
}

/// Writes `command` to the port; the reply's lines up to `** end`.
async fn serial_reply(
    reader: &mut BufReader<tokio::fs::File>,
    writer: &mut tokio::fs::File,
    command: String,
) -> Vec<String> {
    writer.write_all(command.as_bytes()).await.unwrap();
    writer.flush().await.unwrap();
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(20), reader.read_line(&mut line))
            .await
            .expect("the port said nothing for 20 s")
            .unwrap();
        let line = line.trim_end().to_string();
        if line == "** end" {
            return lines;
        }
        if !line.is_empty() && !line.starts_with("roomterm line protocol") {
            lines.push(line);
        }
    }
}

/// The same protocol on a serial port (a pseudo-terminal stands in for
/// the board's RS-232 port): the room is driven and reports back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_controller_on_the_serial_port_signs_in_and_sets_the_volume() {
    use std::os::fd::FromRawFd;
    let cloud_dir = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let room = Room::start(dir.path(), &cloud, &admin, "SN-L3", [0, 255, 255], 550.0).await;
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two descriptors we own from here on.
    let opened = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(opened, 0, "{}", std::io::Error::last_os_error());
    // SAFETY: `slave` is an open terminal descriptor; ttyname's buffer is
    // copied out at once.
    let path = unsafe { std::ffi::CStr::from_ptr(libc::ttyname(slave)) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: both descriptors are ours alone; the files close them.
    let (master, _slave) = unsafe {
        (
            std::fs::File::from_raw_fd(master),
            std::fs::File::from_raw_fd(slave),
        )
    };
    let _serial = roomterm::line::SerialLine::start(
        std::path::Path::new(&path),
        115_200,
        room.remote.terminal.clone(),
        TOKEN.into(),
    )
    .unwrap();
    let mut reader = BufReader::new(tokio::fs::File::from_std(master.try_clone().unwrap()));
    let mut writer = tokio::fs::File::from_std(master);
    let login = serial_reply(
        &mut reader,
        &mut writer,
        format!("xLogin Token: {TOKEN}\r\n"),
    )
    .await;
    assert_eq!(login, ["*r LoginResult (status=OK)"], "{login:?}");
    let volume = serial_reply(
        &mut reader,
        &mut writer,
        "xCommand Volume Level: 25\r\n".into(),
    )
    .await;
    assert_eq!(volume, ["*r VolumeResult (status=OK)"], "{volume:?}");
    // The room applies it a moment later: asked again until it has.
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        let status = serial_reply(&mut reader, &mut writer, "xStatus\r\n".into()).await;
        if status.contains(&"*s Audio Volume: 25".to_string()) || Instant::now() > deadline {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status.contains(&"*s Audio Volume: 25".to_string()),
        "{status:?}"
    );
    assert!(
        status.contains(&format!("*s Room Number: {}", room.number)),
        "{status:?}"
    );
    assert_eq!(room.remote.get("/status").await["speaker_volume"], 25);
    cloud.shutdown().await;
}

/// A port nobody listens on now.
fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_line_protocol_is_off_until_the_settings_turn_it_on() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let room = Room::start(dir.path(), &cloud, &admin, "SN-L4", [0, 255, 255], 550.0).await;
    roomterm::line::follow_settings(room.remote.terminal.clone(), TOKEN.into());
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", free_tcp_port()).parse().unwrap();
    // Out of the box nothing listens.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(TcpStream::connect(addr).await.is_err(), "listening unasked");

    let (status, body) = room
        .remote
        .try_post("/settings/line-protocol", json!({ "listen": "nowhere" }))
        .await;
    assert_eq!(status, 400, "{body}");
    room.remote
        .post(
            "/settings/line-protocol",
            json!({ "listen": addr.to_string() }),
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut line = loop {
        if let Ok(stream) = TcpStream::connect(addr).await {
            drop(stream);
            break Controller::connect(addr).await;
        }
        assert!(Instant::now() < deadline, "never listened on {addr}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    ok(&line.send(&format!("xLogin Token: {TOKEN}")).await, "Login");
    let status = line.send("xStatus").await;
    assert!(
        status.contains(&"*s Standby State: Off".to_string()),
        "{status:?}"
    );
    // Saved: a restart listens there again.
    let saved = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(saved.contains(&addr.to_string()), "{saved}");

    // Off again: no new connection is taken.
    room.remote
        .post("/settings/line-protocol", json!({ "listen": null }))
        .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(addr).await.is_ok() {
        assert!(Instant::now() < deadline, "still listening");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cloud.shutdown().await;
}
