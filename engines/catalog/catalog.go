package catalog

import (
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/stream"
)

// StreamSpec registers an engine under a stream name: the stream's
// processor builds its engine with Restore (from nil for a new engine, or
// from a checkpoint). Engine is the engine's kind, recorded by a durable
// store when the stream is created.
type StreamSpec struct {
	Name    string
	Engine  string
	Restore engines.Restorer
}

// The kinds of Proven's engines.
const (
	KindKV       = "kv"
	KindQueue    = "queue"
	KindResource = "resource"
	KindSQL      = "sql"
	KindStream   = "stream"
)

// KV registers the key-value engine (engines/kv) on stream name.
func KV(name string) StreamSpec { return StreamSpec{Name: name, Engine: KindKV, Restore: kv.Restore} }

// Queue registers the queue engine (engines/queue) on stream name.
func Queue(name string) StreamSpec {
	return StreamSpec{Name: name, Engine: KindQueue, Restore: queue.Restore}
}

// Resource registers the token engine (engines/resource) on stream name.
func Resource(name string) StreamSpec {
	return StreamSpec{Name: name, Engine: KindResource, Restore: resource.Restore}
}

// SQL registers the SQL engine (engines/sql) on stream name.
func SQL(name string) StreamSpec {
	return StreamSpec{Name: name, Engine: KindSQL, Restore: sql.Restore}
}

// StreamTable registers the Stream engine (engines/stream), an
// append-only stream table, on stream name.
func StreamTable(name string) StreamSpec {
	return StreamSpec{Name: name, Engine: KindStream, Restore: stream.Restore}
}
