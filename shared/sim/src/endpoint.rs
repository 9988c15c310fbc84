//! The SageMaker endpoint variant as the simulator sees it: desired instances (billed from
//! the moment they are asked for), instances in service (serving), instances still being
//! provisioned, and the `Updating` window during which SageMaker rejects another update.

use std::collections::VecDeque;

/// Times are seconds from the trace start.
#[derive(Debug, Clone)]
pub struct Endpoint {
    desired: i32,
    in_service: i32,
    /// (ready at, count), in launch order.
    provisioning: VecDeque<(i64, i32)>,
    updating_until: i64,
    delay: i64,
    scale_in_update: i64,
    blocks: bool,
}

/// What happened to a requested change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Yes,
    /// The endpoint is `Updating`: SageMaker rejects the update.
    RejectedUpdating,
}

impl Endpoint {
    /// `initial` instances already in service at time 0.
    pub fn new(
        initial: i32,
        delay_seconds: u32,
        scale_in_update_seconds: u32,
        blocks: bool,
    ) -> Endpoint {
        Endpoint {
            desired: initial,
            in_service: initial,
            provisioning: VecDeque::new(),
            updating_until: i64::MIN,
            delay: i64::from(delay_seconds),
            scale_in_update: i64::from(scale_in_update_seconds),
            blocks,
        }
    }

    pub fn desired(&self) -> i32 {
        self.desired
    }

    pub fn in_service(&self) -> i32 {
        self.in_service
    }

    /// Whether an update would be rejected at `now`.
    pub fn is_updating(&self, now: i64) -> bool {
        self.blocks && now < self.updating_until
    }

    /// Puts instances whose provisioning has finished by `now` into service.
    #[inline]
    pub fn advance(&mut self, now: i64) {
        while let Some(&(ready, count)) = self.provisioning.front() {
            if ready > now {
                break;
            }
            self.in_service += count;
            self.provisioning.pop_front();
        }
    }

    /// UpdateEndpointWeightsAndCapacities at `now`. A scale-out launches instances that serve
    /// after the provisioning delay; a scale-in cancels instances still provisioning (newest
    /// first), then stops instances in service at once.
    pub fn set_desired(&mut self, now: i64, desired: i32) -> Applied {
        if self.is_updating(now) {
            return Applied::RejectedUpdating;
        }
        let desired = desired.max(0);
        if desired > self.desired {
            self.provisioning
                .push_back((now + self.delay, desired - self.desired));
            self.updating_until = now + self.delay;
        } else if desired < self.desired {
            let mut remove = self.desired - desired;
            while remove > 0 {
                let Some(last) = self.provisioning.back_mut() else {
                    break;
                };
                let take = last.1.min(remove);
                last.1 -= take;
                remove -= take;
                if last.1 == 0 {
                    self.provisioning.pop_back();
                }
            }
            self.in_service -= remove;
            self.updating_until = now + self.scale_in_update;
        }
        self.desired = desired;
        Applied::Yes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_instances_serve_after_the_delay_and_removed_ones_stop_at_once() {
        let mut e = Endpoint::new(2, 360, 60, true);
        assert_eq!(e.set_desired(100, 5), Applied::Yes);
        e.advance(459);
        assert_eq!((e.desired(), e.in_service()), (5, 2));
        assert_eq!(e.set_desired(200, 6), Applied::RejectedUpdating);
        e.advance(460);
        assert_eq!(e.in_service(), 5);
        assert_eq!(e.set_desired(460, 1), Applied::Yes);
        assert_eq!(e.in_service(), 1);
    }

    #[test]
    fn scale_in_cancels_provisioning_instances_first() {
        let mut e = Endpoint::new(2, 360, 0, false);
        e.set_desired(0, 5);
        e.set_desired(10, 3);
        assert_eq!((e.desired(), e.in_service()), (3, 2));
        e.advance(360);
        assert_eq!(e.in_service(), 3);
    }
}
