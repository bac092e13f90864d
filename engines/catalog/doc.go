// Package catalog names Proven's engines for the hosts that run them: a
// StreamSpec registers an engine under a stream name, and KV, Queue,
// Resource and SQL return the specs of Proven's four engines. The
// simulated cluster (cluster.Config.Streams) and the real runtime
// (live.Options.Streams, proven.Open) take the same specs.
//
// # Contract
//
// A StreamSpec carries the stream's name, the engine's kind (the name a
// store records in the stream's manifest, so that a stream reopened with
// another engine is refused) and its Restorer (from nil for a new engine,
// or from a checkpoint). A spec of your own may carry any engine that
// meets the engines contract, under a kind of its own; the simulator does
// not need the kind, the real runtime does.
//
// # What it does not do
//
// It holds no state and checks nothing: each host checks the specs it is
// given (names distinct and non-empty, an engine present).
//
// # Tests
//
// A test checks each constructor's kind and that its Restorer builds an
// empty engine; the hosts' tests run every engine through these specs.
package catalog
