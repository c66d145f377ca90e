//! A real browser's side of a cast: a page that paints a canvas in the
//! colour the test names, captures it as a screen would be (content hint
//! `detail`) with a 440 Hz tab-audio tone, offers (sendonly, bundled,
//! after gathering), and shows the answer to its peer connection — served
//! with its signalling by a small HTTP server on 127.0.0.1. The page casts
//! again each time the test ends a cast (`stop`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PAGE: &str = r#"<!doctype html><html><body><script>
let colour = 'red';
const canvas = document.createElement('canvas');
canvas.width = 320; canvas.height = 240;
document.body.appendChild(canvas);
const g = canvas.getContext('2d');
setInterval(() => { g.fillStyle = colour; g.fillRect(0, 0, 320, 240); }, 50);
const sleep = ms => new Promise(r => setTimeout(r, ms));
async function cast() {
  const track = canvas.captureStream(15).getVideoTracks()[0];
  track.contentHint = 'detail';
  const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle'});
  pc.addTransceiver(track, {direction: 'sendonly'});
  const audio = new AudioContext();
  const tone = audio.createOscillator();
  tone.frequency.value = 440;
  const gain = audio.createGain();
  gain.gain.value = 0.5;
  const out = audio.createMediaStreamDestination();
  tone.connect(gain).connect(out);
  tone.start();
  pc.addTransceiver(out.stream.getAudioTracks()[0], {direction: 'sendonly'});
  await pc.setLocalDescription(await pc.createOffer());
  while (pc.iceGatheringState !== 'complete') await sleep(20);
  const answer = await (await fetch('/offer', {method: 'POST', body: pc.localDescription.sdp})).text();
  await pc.setRemoteDescription({type: 'answer', sdp: answer});
  for (;;) {
    const next = await (await fetch('/colour')).text();
    if (next === 'stop') break;
    colour = next;
    await sleep(100);
  }
  pc.close();
  audio.close();
}
(async () => {
  for (;;) {
    try { await cast(); }
    catch (e) { await fetch('/log', {method: 'POST', body: String(e)}); await sleep(500); }
  }
})();
</script></body></html>"#;

/// The signalling server; the page's offers come out of [`CastPage::offers`].
pub struct CastPage {
    pub port: u16,
    /// What `/colour` answers: a CSS colour, or `stop`.
    pub colour: Arc<Mutex<String>>,
    pub offers: mpsc::Receiver<(String, mpsc::Sender<String>)>,
    /// What the page reported as errors.
    pub errors: Arc<Mutex<Vec<String>>>,
}

impl CastPage {
    /// Serves the page on 127.0.0.1 (of the calling thread's network
    /// namespace) until the process ends.
    pub fn serve() -> CastPage {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let colour = Arc::new(Mutex::new("red".to_string()));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let (offer_tx, offers) = mpsc::channel();
        let (c, e) = (colour.clone(), errors.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                if handle(stream, &c, &e, &offer_tx).is_err() {
                    continue;
                }
            }
        });
        CastPage {
            port,
            colour,
            offers,
            errors,
        }
    }

    pub fn paint(&self, colour: &str) {
        *self.colour.lock().unwrap() = colour.to_string();
    }
}

fn handle(
    stream: TcpStream,
    colour: &Mutex<String>,
    errors: &Mutex<Vec<String>>,
    offers: &mpsc::Sender<(String, mpsc::Sender<String>)>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).to_string();
    let path = request.split(' ').nth(1).unwrap_or("/");
    let (kind, reply) = match path {
        "/" => ("text/html", PAGE.to_string()),
        "/colour" => ("text/plain", colour.lock().unwrap().clone()),
        "/offer" => {
            let (tx, rx) = mpsc::channel();
            let _ = offers.send((body, tx));
            let answer = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
            ("application/sdp", answer)
        }
        "/log" => {
            eprintln!("page: {body}");
            errors.lock().unwrap().push(body);
            ("text/plain", String::new())
        }
        _ => ("text/plain", String::new()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{reply}",
        reply.len()
    )?;
    stream.flush()
}
