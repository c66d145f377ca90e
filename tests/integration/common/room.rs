//! A room for call tests: a registered terminal whose test camera shows a
//! solid colour and whose test microphone plays a tone, with what it
//! decodes and hears at hand.

use std::sync::Arc;
use std::time::Duration;

use roomterm::media::{tone_rms, CallMedia, CallMediaConfig};

use super::remote::Remote;

/// A room of a test: its control API and the look and sound it sends.
pub struct Room {
    pub remote: Remote,
    pub look: [u8; 3],
    pub tone: f64,
    pub number: String,
}

impl Room {
    pub async fn start(
        dir: &std::path::Path,
        cloud: &roomcloud::RunningCloud,
        admin: &roomcloud::client::AdminClient,
        sn: &str,
        rgb: [u8; 3],
        tone: f64,
    ) -> Self {
        Self::start_casting(dir, cloud, admin, sn, (rgb, tone), None).await
    }

    /// [`start`](Self::start), taking casts with `cast_media`.
    pub async fn start_casting(
        dir: &std::path::Path,
        cloud: &roomcloud::RunningCloud,
        admin: &roomcloud::client::AdminClient,
        sn: &str,
        look: ([u8; 3], f64),
        cast_media: Option<roomterm::cast::CastConfig>,
    ) -> Self {
        let url = &cloud.endpoints.api_url;
        Self::start_at(dir, url, admin, sn, look, cast_media).await
    }

    /// [`start_casting`](Self::start_casting), activated at `server_url`
    /// (a cloud behind a load balancer: the balancer's address).
    pub async fn start_at(
        dir: &std::path::Path,
        server_url: &str,
        admin: &roomcloud::client::AdminClient,
        sn: &str,
        (rgb, tone): ([u8; 3], f64),
        cast_media: Option<roomterm::cast::CastConfig>,
    ) -> Self {
        let argb =
            0xff00_0000 | u32::from(rgb[0]) << 16 | u32::from(rgb[1]) << 8 | u32::from(rgb[2]);
        let media = CallMediaConfig::small(&super::media_plan(), argb, tone);
        let remote =
            super::registered_terminal_at(dir, server_url, admin, sn, media, cast_media).await;
        let status = remote.get("/status").await;
        let number = status["number"].as_str().unwrap().to_string();
        Self {
            remote,
            look: rgb,
            tone,
            number,
        }
    }

    /// The live call's media: what this room decodes and hears.
    pub fn media(&self) -> Arc<CallMedia> {
        self.remote
            .terminal
            .call_media
            .borrow()
            .clone()
            .expect("the room is in a call")
    }

    /// (tone → RMS) of what this room hears over half a second.
    pub fn hears(&self, tones: &[f64]) -> Vec<f64> {
        let media = self.media();
        tokio::task::block_in_place(|| {
            media.flush();
            let samples = media.listen(Duration::from_millis(600)).unwrap();
            let tail = &samples[samples.len().saturating_sub(24_000)..];
            tones.iter().map(|f| tone_rms(tail, 48_000.0, *f)).collect()
        })
    }
}
