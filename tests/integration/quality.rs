//! The network-quality indicator against real packet loss: a call's RTP
//! goes through a relay on loopback that drops packets on the way. The
//! receiving end measures the loss over its 6-second windows and turns
//! the indicator red, with the text warning after 5 s, while a call over a
//! clean relay stays good.

use std::net::SocketAddr;
use std::time::Duration;

use roomterm::media::{CallMedia, CallMediaConfig, LossIcon, QualityLevel, QualityReport};
use tokio::net::UdpSocket;

/// Forwards UDP from a local port to `to`, dropping one datagram in
/// `drop_every` (0: none).
async fn relay(to: SocketAddr, drop_every: usize) -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        let mut count = 0usize;
        while let Ok((n, _)) = socket.recv_from(&mut buf).await {
            count += 1;
            if drop_every > 0 && count % drop_every == drop_every / 2 {
                continue;
            }
            let _ = socket.send_to(&buf[..n], to).await;
        }
    });
    port
}

/// A call from a sender to a receiver through relays: video loses one
/// packet in `video_drop_every`, audio none.
async fn call(rgb: u32, tone: f64, video_drop_every: usize) -> (CallMedia, CallMedia) {
    let plan = crate::common::media_plan();
    let receiver = CallMedia::receive(CallMediaConfig::small(&plan, 0xff000000, 440.0)).unwrap();
    let (video, audio) = receiver.local_ports();
    let to = |port| SocketAddr::from(([127, 0, 0, 1], port));
    let video_relay = relay(to(video), video_drop_every).await;
    let audio_relay = relay(to(audio), 0).await;
    let sender = CallMedia::receive(CallMediaConfig::small(&plan, rgb, tone)).unwrap();
    sender.send_to(to(video_relay), to(audio_relay)).unwrap();
    (sender, receiver)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packet_loss_turns_the_indicator_red_and_a_clean_network_stays_good() {
    let (_clean_sender, clean) = call(0xff00ff00, 660.0, 0).await;
    // One video packet in 10 lost: 10 %.
    let (_lossy_sender, lossy) = call(0xffff0000, 550.0, 10).await;
    // Measured once a second, as the terminal does, for a window and more.
    let mut reports: Vec<(QualityReport, QualityReport)> = Vec::new();
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        reports.push((clean.quality(), lossy.quality()));
    }
    let (good, bad) = reports.last().unwrap().clone();

    assert_eq!(good.level, QualityLevel::Good, "{good:?}");
    assert_eq!(good.loss_icon, LossIcon::None, "{good:?}");
    assert!(!good.warning);
    assert!(good.video_loss.unwrap() <= 0.01, "{good:?}");
    assert_eq!(good.audio_loss, Some(0.0), "{good:?}");

    let video_loss = bad.video_loss.unwrap();
    assert!(
        (0.07..=0.13).contains(&video_loss),
        "10 % dropped, {video_loss:.3} measured"
    );
    assert_eq!(bad.audio_loss, Some(0.0), "{bad:?}");
    assert_eq!(
        (bad.level, bad.loss_icon),
        (QualityLevel::Poor, LossIcon::Red)
    );
    assert!(bad.warning, "loss above 5 % for 5 s warns: {bad:?}");
    // Not at once: the warning waited for 5 s above threshold B.
    assert!(!reports[1].1.warning, "{:?}", reports[1].1);
}
