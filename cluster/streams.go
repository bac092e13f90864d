package cluster

import "github.com/proven2pc/proven/engines/catalog"

// StreamSpec registers an engine under a stream name: the stream's
// processor builds its engine with Restore (from nil for a new engine,
// or from a checkpoint). KV, Queue, Resource, SQL and StreamTable return
// the specs of Proven's engines; a StreamSpec of your own carries any engine that
// meets the engines contract. It is catalog.StreamSpec, which the real
// runtime takes too.
type StreamSpec = catalog.StreamSpec

// KV registers the key-value engine (engines/kv) on stream name.
func KV(name string) StreamSpec { return catalog.KV(name) }

// Queue registers the queue engine (engines/queue) on stream name.
func Queue(name string) StreamSpec { return catalog.Queue(name) }

// Resource registers the token engine (engines/resource) on stream name.
func Resource(name string) StreamSpec { return catalog.Resource(name) }

// SQL registers the SQL engine (engines/sql) on stream name.
func SQL(name string) StreamSpec { return catalog.SQL(name) }

// StreamTable registers the Stream engine (engines/stream), an
// append-only stream table, on stream name.
func StreamTable(name string) StreamSpec { return catalog.StreamTable(name) }
