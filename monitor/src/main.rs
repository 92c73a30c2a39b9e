//! `libdocker-monitor`: a thin binary over `engine::monitor_main` (`engine::runtime::monitor`) (all logic lives in the
//! engine crate, so it is tested there). One per running container; kept small and
//! single-threaded.

fn main() {
    std::process::exit(engine::monitor_main());
}
