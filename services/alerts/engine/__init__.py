"""The pure judgement: targets and series in, statuses, signals, alert states and
transitions out. No sockets, no clock calls: ``now`` comes with the snapshot."""
