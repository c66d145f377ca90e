//! Every device's meeting room (`8` + its device number): made the
//! first time it is asked for, with a room's defaults (open, no end, the
//! device's name as its subject).

use super::{room_id, rules, MeetingView, Meetings, ROOM_PREFIX};
use crate::error::{CloudError, CloudResult};
use crate::store::{MeetingFields, MeetingRow};

impl Meetings {
    /// A room ID whose device exists but whose room was never used.
    pub(super) async fn room_on_first_use(&self, meeting_id: &str) -> CloudResult<MeetingRow> {
        let number = meeting_id
            .strip_prefix(ROOM_PREFIX)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(CloudError::NotFound("meeting"))?;
        let device = self
            .store
            .device_by_number(number)
            .await
            .map_err(CloudError::from_store("meeting"))?;
        self.ensure_room(
            device.id,
            device.enterprise_id,
            &device.number,
            &device.name,
        )
        .await
    }

    async fn ensure_room(
        &self,
        device_id: i64,
        enterprise_id: i64,
        number: &str,
        name: &str,
    ) -> CloudResult<MeetingRow> {
        let defaults = MeetingFields {
            subject: name.to_string(),
            organiser: String::new(),
            start_at: None,
            duration_secs: None,
            utc_offset_minutes: 0,
            recur_freq: "none".into(),
            recur_weekdays: 0,
            recur_until: None,
            recur_count: None,
            host_password_hash: None,
            guest_password_hash: None,
            join_before_host: true,
            party_limit: i64::from(rules::DEFAULT_PARTY_LIMIT),
        };
        Ok(self
            .store
            .ensure_room(
                &room_id(number),
                enterprise_id,
                device_id,
                &defaults,
                self.now(),
            )
            .await?)
    }

    /// The meeting room of a device (created on first use).
    pub async fn device_room(&self, sn: &str) -> CloudResult<MeetingView> {
        let device = self
            .store
            .device_by_sn(sn)
            .await
            .map_err(CloudError::from_store("device"))?;
        let row = self
            .ensure_room(
                device.id,
                device.enterprise_id,
                &device.number,
                &device.name,
            )
            .await?;
        self.view(&row, None).await
    }
}
