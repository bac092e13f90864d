package proven

import (
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/live"
)

// DB is an open embedded store: see Open. It is live.DB.
type DB = live.DB

// Txn is a read-write transaction of a DB (DB.Begin): live.Txn.
type Txn = live.Txn

// ReadTxn is a read-only transaction of a DB (DB.BeginReadOnly):
// live.ReadTxn.
type ReadTxn = live.ReadTxn

// Options says which streams an application runs and tunes the runtime:
// see live.Options.
type Options = live.Options

// StreamSpec registers an engine under a stream name; KV, Queue, Resource
// and SQL return the specs of Proven's engines. It is catalog.StreamSpec,
// which the simulated cluster takes too.
type StreamSpec = catalog.StreamSpec

// Open opens the store in dir (creating it when dir is missing or empty)
// and runs its streams in this process: one goroutine hosting each
// stream's durable log, one hosting its processor and engine. The handle
// is for the application's lifetime and safe for concurrent use:
//
//	db, err := proven.Open(dir, proven.Options{Streams: []proven.StreamSpec{
//		proven.KV("users"), proven.Queue("notifications"), proven.Resource("credits"), proven.SQL("orders")}})
//	...
//	defer db.Close()
//	tx := db.Begin(ctx, 5*time.Second)
//	err = kv.New(tx, "users").PutString(ctx, "user:1", "Alice")
//	... tx.Commit(ctx)
//
// Open refuses a directory that is not a Proven store, a store of a newer
// format, a store open in another process, and a stream reopened with
// another engine, each with an error naming it (live.ErrNotStore,
// live.ErrNewerFormat, live.ErrLocked, live.ErrEngineMismatch) and
// changing nothing on disk. The live package documents the runtime.
func Open(dir string, options Options) (*DB, error) { return live.Open(dir, options) }

// KV registers the key-value engine (engines/kv) on stream name.
func KV(name string) StreamSpec { return catalog.KV(name) }

// Queue registers the queue engine (engines/queue) on stream name.
func Queue(name string) StreamSpec { return catalog.Queue(name) }

// Resource registers the token engine (engines/resource) on stream name.
func Resource(name string) StreamSpec { return catalog.Resource(name) }

// SQL registers the SQL engine (engines/sql) on stream name.
func SQL(name string) StreamSpec { return catalog.SQL(name) }

// StreamTable declares a stream running the Stream engine (engines/stream),
// an append-only stream table.
func StreamTable(name string) StreamSpec { return catalog.StreamTable(name) }
