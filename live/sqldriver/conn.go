package sqldriver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines"
	sqlengine "github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/sql/parser"
	"github.com/proven2pc/proven/live"
)

// statementsCachedMax bounds the statements a connection remembers it
// parsed.
const statementsCachedMax = 256

// conn is one database/sql connection: a stream of a store, and the
// transaction begun on it, if any. database/sql uses it from one
// goroutine at a time.
type conn struct {
	connector *connector
	db        *live.DB
	// tx or read is the transaction in progress (BeginTx), or neither.
	tx   *live.Txn
	read *live.ReadTxn
	// readOnly remembers, per statement text, whether it only reads.
	readOnly map[string]bool
	// ownsConnector: opened by Driver.Open, so Close releases the store.
	ownsConnector bool
}

func newConn(c *connector, db *live.DB) *conn {
	return &conn{connector: c, db: db, readOnly: map[string]bool{}}
}

var (
	_ driver.Conn               = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
)

// Prepare parses the statement, so that bad SQL is refused here.
func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if _, err := c.describe(query); err != nil {
		return nil, err
	}
	return &stmt{conn: c, query: query}, nil
}

// Close ends the connection; a transaction still open is rolled back.
func (c *conn) Close() error {
	if c.tx != nil {
		_ = c.tx.Rollback(context.Background())
		c.tx = nil
	}
	c.read = nil
	if c.ownsConnector {
		return c.connector.Close()
	}
	return nil
}

// Begin is BeginTx with the default options.
func (c *conn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx begins a Proven transaction: a read-write one (live.DB.Begin,
// with the connector's transaction timeout), or with ReadOnly a read-only
// one at a snapshot (live.DB.BeginReadOnly). Transactions are
// serializable (read-write ones strictly): the default level,
// LevelSerializable and LevelLinearizable are accepted, every weaker
// level is refused.
func (c *conn) BeginTx(ctx context.Context, options driver.TxOptions) (driver.Tx, error) {
	switch level := sql.IsolationLevel(options.Isolation); level {
	case sql.LevelDefault, sql.LevelSerializable, sql.LevelLinearizable:
	default:
		return nil, fmt.Errorf("%w: %s; Proven transactions are serializable (use the default level or sql.LevelSerializable)",
			ErrIsolation, level)
	}
	if c.tx != nil || c.read != nil {
		return nil, errors.New("sqldriver: a transaction is already in progress on this connection")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if options.ReadOnly {
		c.read = c.db.BeginReadOnly(ctx)
		return &tx{conn: c}, nil
	}
	begun := c.db.Begin(ctx, c.connector.timeout())
	if begun.ID() == (engines.TxnID{}) {
		return nil, begun.Commit(ctx) // why it could not begin: closed, failed, ctx ended
	}
	c.tx = begun
	return &tx{conn: c}, nil
}

// describe parses a statement (once per text per connection) and says
// whether it only reads. Bad SQL is an error matching sqlengine.ErrSyntax
// that names the statement.
func (c *conn) describe(query string) (readOnly bool, err error) {
	if readOnly, found := c.readOnly[query]; found {
		return readOnly, nil
	}
	statement, err := parser.Parse(query)
	if err != nil {
		return false, fmt.Errorf("sqldriver: %s: %w: %w", quote(query), sqlengine.ErrSyntax, err)
	}
	switch statement.(type) {
	case *parser.Query, *parser.Explain:
		readOnly = true
	}
	if len(c.readOnly) >= statementsCachedMax {
		clear(c.readOnly)
	}
	c.readOnly[query] = readOnly
	return readOnly, nil
}

// executor is where a statement runs: the transaction in progress; else,
// for a statement that only reads, a fresh snapshot (no log write);
// else the store's ad-hoc executor (its own transaction, committed in one
// phase, durable before it returns).
func (c *conn) executor(ctx context.Context, readOnly bool) engines.Executor {
	switch {
	case c.tx != nil:
		return c.tx
	case c.read != nil:
		return c.read
	case readOnly:
		return c.db.BeginReadOnly(ctx)
	}
	return c.db.AdHoc()
}

// run runs a statement with its arguments on its executor (see
// executor), through the SQL engine's client.
func (c *conn) run(ctx context.Context, query string, arguments []driver.NamedValue) (*sqlengine.Client, []any, error) {
	readOnly, err := c.describe(query)
	if err != nil {
		return nil, nil, err
	}
	args := make([]any, len(arguments))
	for i, argument := range arguments {
		if argument.Name != "" {
			return nil, nil, fmt.Errorf("%w (got %q)", ErrNamedParameter, argument.Name)
		}
		args[i] = argument.Value
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return sqlengine.New(c.executor(ctx, readOnly), c.connector.config.Stream), args, nil
}

func (c *conn) ExecContext(ctx context.Context, query string, arguments []driver.NamedValue) (driver.Result, error) {
	client, args, err := c.run(ctx, query, arguments)
	if err != nil {
		return nil, err
	}
	answer, err := client.Exec(ctx, query, args...)
	if err != nil {
		return nil, withContext(ctx, err)
	}
	return result{rowsAffected: answer.RowsAffected}, nil
}

func (c *conn) QueryContext(ctx context.Context, query string, arguments []driver.NamedValue) (driver.Rows, error) {
	client, args, err := c.run(ctx, query, arguments)
	if err != nil {
		return nil, err
	}
	answer, err := client.Query(ctx, query, args...)
	if err != nil {
		return nil, withContext(ctx, err)
	}
	return newRows(answer)
}

// withContext makes an error that the statement's context caused match
// the context's error too: the coordinator abandons a transaction whose
// call's context ended (an abort whose reason is the cancellation), and
// an application checks for context.Canceled or DeadlineExceeded.
func withContext(ctx context.Context, err error) error {
	if cause := ctx.Err(); cause != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}

// Ping reports a store that was closed or stopped after a failure.
func (c *conn) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.db.Err()
}

// IsValid: a connection of a failed store is not reused.
func (c *conn) IsValid() bool { return c.db.Err() == nil }

// ResetSession is called before a connection is reused: no transaction
// survives its sql.Tx (database/sql ends it), so there is nothing to
// reset but a failed store.
func (c *conn) ResetSession(ctx context.Context) error {
	if c.db.Err() != nil {
		return driver.ErrBadConn
	}
	return nil
}

// quote shortens a statement for an error message.
func quote(query string) string {
	const lengthMax = 60
	if len(query) > lengthMax {
		return fmt.Sprintf("%q...", query[:lengthMax])
	}
	return fmt.Sprintf("%q", query)
}

// tx is a database/sql transaction: the connection's.
type tx struct{ conn *conn }

// Commit commits a read-write transaction: nil only once it is durable
// on the stream. An error matching engines.ErrAborted means it committed
// nowhere (retry it); coordinator.ErrIndeterminate, that its outcome
// could not be learned. A read-only transaction has nothing to commit.
func (t *tx) Commit() error { return t.end((*live.Txn).Commit) }

// Rollback aborts the transaction: nothing of it stays on the stream.
func (t *tx) Rollback() error { return t.end((*live.Txn).Rollback) }

// end ends the connection's transaction with Commit or Rollback.
func (t *tx) end(how func(*live.Txn, context.Context) error) error {
	c := t.conn
	c.read = nil
	if c.tx == nil {
		return nil
	}
	begun := c.tx
	c.tx = nil
	return how(begun, context.Background())
}

// stmt is a prepared statement: its text, parsed once by the connection
// (the engine keeps compiled plans by statement).
type stmt struct {
	conn  *conn
	query string
}

var (
	_ driver.StmtExecContext  = (*stmt)(nil)
	_ driver.StmtQueryContext = (*stmt)(nil)
)

func (s *stmt) Close() error { return nil }

// NumInput is -1: the engine checks the arguments against the statement's
// parameters (? or $1, $2, ...).
func (s *stmt) NumInput() int { return -1 }

func (s *stmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *stmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.query, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	values := make([]driver.NamedValue, len(args))
	for i, v := range args {
		values[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return values
}

// result is an Exec's result: the rows affected.
type result struct{ rowsAffected int64 }

func (r result) LastInsertId() (int64, error) { return 0, ErrLastInsertID }
func (r result) RowsAffected() (int64, error) { return r.rowsAffected, nil }
