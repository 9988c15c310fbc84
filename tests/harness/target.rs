//! A target read back from the store, for assertions: one place for the load-or-panic chain.

use sagescale_aws::store::{Loaded, Store};
use sagescale_core::state::TargetState;

/// The target `rid` as stored; panics when it cannot be read or is not configured.
pub async fn loaded(store: &Store, rid: &str) -> Loaded {
    store.load(rid).await.expect("load").expect("configured")
}

/// The state of the target `rid` (see [`loaded`]).
pub async fn target_state(store: &Store, rid: &str) -> TargetState {
    loaded(store, rid).await.state
}
