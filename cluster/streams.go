package cluster

import (
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/stream"
)

// StreamSpec registers an engine under a stream name: the stream's
// processor builds its engine with Restore (from nil for a new engine,
// or from a checkpoint). KV, Queue, Resource, SQL and StreamTable return
// the specs of Proven's engines; a StreamSpec of your own carries any
// engine that meets the engines contract.
type StreamSpec struct {
	Name    string
	Restore engines.Restorer
}

// KV registers the key-value engine (engines/kv) on stream name.
func KV(name string) StreamSpec { return StreamSpec{Name: name, Restore: kv.Restore} }

// Queue registers the queue engine (engines/queue) on stream name.
func Queue(name string) StreamSpec { return StreamSpec{Name: name, Restore: queue.Restore} }

// Resource registers the token engine (engines/resource) on stream name.
func Resource(name string) StreamSpec { return StreamSpec{Name: name, Restore: resource.Restore} }

// SQL registers the SQL engine (engines/sql) on stream name.
func SQL(name string) StreamSpec { return StreamSpec{Name: name, Restore: sql.Restore} }

// StreamTable registers the Stream engine (engines/stream), an
// append-only stream table, on stream name.
func StreamTable(name string) StreamSpec { return StreamSpec{Name: name, Restore: stream.Restore} }
