//! The release workflows' own steps, run by the local Actions harness
//! (`actions/`): a first release, a later one, a pre-release and a rerun
//! after a partial publish, with what each hand-off carried and what each
//! publish command received.

use crate::actions::World;

#[test]
fn first_release() {
    let mut world = World::new();
    let build = world.build("0.1.0", "### Added\n\n- The first release.");
    build.assert_success();
    let publish = world.publish(build.id);
    eprintln!("{}", publish.logs());
    publish.assert_success();
}
