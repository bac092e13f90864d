// Package sqldriver is a database/sql driver for Proven's SQL engine on
// the real runtime (package live): an application uses a SQL stream of a
// durable store through database/sql, with Proven's transactions.
//
// # Use
//
// Importing the package registers the driver as "proven":
//
//	import _ "github.com/proven2pc/proven/live/sqldriver"
//
//	db, err := sql.Open("proven", "data/shop?stream=accounts")
//
// The data source name is the store's directory and the SQL stream, with
// an optional transaction timeout: "<dir>?stream=<name>[&timeout=5s]".
// The store opens at the first connection, running that one stream, and
// closes with the last sql.DB of the directory (a directory opens once per
// process; sql.DBs of the same directory and stream share it). A store
// with other streams, or one the application uses directly too, is opened
// with proven.Open and handed over:
//
//	store, err := proven.Open(dir, proven.Options{Streams: ...})
//	db := sql.OpenDB(sqldriver.Connector(store, "accounts"))
//
// Closing that sql.DB leaves the store open.
//
// # Contract
//
//   - Transactions: BeginTx begins a Proven transaction on the stream
//     (live.DB.Begin, deadline now plus the timeout, default 10s), or with
//     TxOptions.ReadOnly a read-only one at a snapshot (BeginReadOnly: at
//     or after every commit acknowledged before it; a write in it is
//     refused, matching engines.ErrReadOnly). Transactions are
//     serializable, read-write ones strictly: the default level,
//     sql.LevelSerializable and sql.LevelLinearizable are accepted, any
//     weaker level is refused (ErrIsolation) rather than silently
//     strengthened. Commit returns nil only once the commit is durable; an
//     error matching engines.ErrAborted (a wound by an older transaction,
//     the deadline) means it committed nowhere and may be retried;
//     coordinator.ErrIndeterminate, that its outcome could not be learned.
//     A statement that fails (bad SQL, a constraint) leaves the
//     transaction usable, as in the engine; roll it back to undo the rest.
//   - Outside a transaction a statement is auto-committed: a statement
//     that only reads (SELECT, WITH ..., EXPLAIN) runs at a fresh snapshot
//     and writes nothing to the log; any other statement runs through the
//     store's ad-hoc executor, as its own transaction committed in one
//     phase, durable before ExecContext returns.
//   - Parameters: ? (numbered in order) or $1, $2, ...; named arguments
//     are refused (ErrNamedParameter). Arguments are database/sql's
//     driver values (nil, bool, int64, float64, string, []byte,
//     time.Time, which becomes a TIMESTAMP).
//   - Bad SQL is refused when prepared (or executed unprepared), with an
//     error naming the statement and the line and column, matching
//     engines/sql.ErrSyntax.
//   - Context: a statement's context bounds its wait (a lock held by an
//     older transaction, a snapshot a log has not reached): when it ends
//     the statement returns an error matching the context's error, and
//     a read-write transaction it ran in is aborted (the coordinator gives
//     it up; roll it back). The context of BeginTx is database/sql's: it
//     rolls the transaction back when that context ends.
//   - Rows: the engine answers a query with every row at once; the
//     driver converts values to bool, int64, float64, string (TEXT,
//     DECIMAL, UUID), []byte and time.Time (DATE, TIMESTAMP). Column
//     types are known from the values (the engine's result carries no
//     column declarations): ColumnTypeDatabaseTypeName is the SQL type of
//     a column's non-NULL values (BIGINT, TEXT, ...; "" when no row shows
//     one), ColumnTypeScanType its Go type (any when unknown), and
//     ColumnTypeNullable is known (true) only for a column that holds a
//     NULL.
//   - Results: RowsAffected; LastInsertId is refused (ErrLastInsertID:
//     the engine has no generated ids; use INSERT ... RETURNING).
//
// # What it does not do
//
// No statement spans two streams: a connection runs on one SQL stream
// (transactions across streams and engines use live.DB directly, with the
// engines' clients). No savepoints, no named parameters, no
// LastInsertId; no result streaming (a query's rows are in memory).
//
// # Tests
//
// The tests use database/sql as an application would, with goleak:
// prepared statements, QueryRowContext and ErrNoRows, both parameter
// styles, transactions committed and rolled back on error, concurrent
// transfers from many goroutines conserving money through a small
// connection pool, bad SQL, refused isolation levels and named
// parameters, read-only transactions, context cancellation of a waiting
// statement, column types, the DSN's errors, stores shared and closed
// with their last sql.DB, and a connector on an application's store.
package sqldriver
