//! baresip, a real third-party SIP endpoint, as a guest dialling in: its
//! fake camera sends three vertical bars (red, green, blue), a sine is its
//! microphone, and what it hears is written to a WAV file. It listens and
//! sends on loopback only, and registers nowhere (meetings need no
//! registration, as for any SIP guest).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Baresip {
    child: Child,
    dir: tempfile::TempDir,
}

/// The colours of the fake camera's bars, left to right.
pub const BARS: [[u8; 3]; 3] = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];

impl Baresip {
    /// Starts baresip dialling `uri`, its microphone a `tone_hz` sine.
    pub fn dial(uri: &str, tone_hz: u32) -> Self {
        let account = "<sip:baresip@127.0.0.1>;regint=0";
        Self::start(account, Some(uri), tone_hz, 0)
    }

    /// Starts baresip registered nowhere, listening at
    /// `sip:baresip@127.0.0.1:<port>`: a call rings there and is never
    /// answered.
    pub fn ringing(port: u16) -> Self {
        let account = "<sip:baresip@127.0.0.1>;regint=0;answermode=manual";
        Self::start(account, None, 500, port)
    }

    /// Starts baresip registered nowhere, listening at
    /// `sip:baresip@127.0.0.1:<port>` and answering calls at once.
    pub fn answering(port: u16, tone_hz: u32) -> Self {
        let account = "<sip:baresip@127.0.0.1>;regint=0;answermode=auto";
        Self::start(account, None, tone_hz, port)
    }

    /// Starts baresip registered to the cloud at `cloud` as `user` (a
    /// third-party SIP account of `domain`), answering calls at once.
    pub fn registered(
        cloud: std::net::SocketAddr,
        domain: &str,
        user: &str,
        password: &str,
        tone_hz: u32,
    ) -> Self {
        let account = format!(
            "<sip:{user}@{domain}>;auth_user={user};auth_pass={password};\
             outbound=\"sip:{cloud}\";regint=600;answermode=auto"
        );
        Self::start(&account, None, tone_hz, 0)
    }

    fn start(account: &str, dial: Option<&str>, tone_hz: u32, port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "poll_method epoll\n\
             net_interface 127.0.0.1\n\
             sip_listen 127.0.0.1:{port}\n\
             audio_player alsa,null\n\
             audio_alert alsa,null\n\
             audio_source ausine,{tone_hz}\n\
             video_source fakevideo,nil\n\
             video_display fakevideo,nil\n\
             video_size 320x240\n\
             video_bitrate 500000\n\
             video_fps 30\n\
             module_path /usr/lib/baresip/modules\n\
             module avcodec.so\n\
             module opus.so\n\
             module g711.so\n\
             module ausine.so\n\
             module alsa.so\n\
             module fakevideo.so\n\
             module sndfile.so\n\
             module_app account.so\n\
             module_app menu.so\n\
             snd_path {}\n",
            dir.path().display(),
        );
        std::fs::write(dir.path().join("config"), config).unwrap();
        std::fs::write(dir.path().join("accounts"), format!("{account}\n")).unwrap();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let mut command = Command::new("baresip");
        command.arg("-f").arg(dir.path());
        if let Some(uri) = dial {
            command.arg("-e").arg(format!("/dial {uri}"));
        }
        let child = command
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("baresip is installed (./run test installs it)");
        Self { child, dir }
    }

    /// What baresip printed (for failure messages).
    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        // The call statistics line repeats with carriage returns.
        text.split(['\r', '\n'])
            .filter(|l| !l.trim().is_empty() && !l.contains("efps="))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Hangs up (baresip sends BYE as it stops on SIGTERM), waits for it
    /// to exit and returns what it heard: mono, 48 kHz.
    pub fn hang_up(mut self) -> Vec<i16> {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "baresip does not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
        let wav = self
            .heard_file()
            .unwrap_or_else(|| panic!("baresip wrote no recording:\n{}", self.log()));
        let mut reader = hound::WavReader::open(&wav).unwrap();
        let channels = reader.spec().channels as usize;
        let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
        samples
            .chunks(channels)
            .map(|frame| {
                (frame.iter().map(|&s| i32::from(s)).sum::<i32>() / channels as i32) as i16
            })
            .collect()
    }

    /// The WAV of decoded (heard) audio the sndfile module writes.
    fn heard_file(&self) -> Option<PathBuf> {
        std::fs::read_dir(self.dir.path())
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("dump-") && n.ends_with("-dec.wav"))
            })
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
