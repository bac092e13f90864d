package sqldriver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/live"
)

// DriverName is the name the driver registers under: sql.Open("proven", dsn).
const DriverName = "proven"

// TransactionTimeoutDefault is a transaction's timeout when the DSN or
// Config gives none: its deadline is Begin's time plus it.
const TransactionTimeoutDefault = 10 * time.Second

func init() { sql.Register(DriverName, Driver{}) }

// Errors of the driver. Compare with errors.Is.
var (
	// ErrBadDSN: a data source name the driver cannot read.
	ErrBadDSN = errors.New("sqldriver: bad data source name")
	// ErrIsolation: an isolation level other than serializable.
	ErrIsolation = errors.New("sqldriver: unsupported isolation level")
	// ErrLastInsertID: Result.LastInsertId, which the SQL engine has no
	// notion of.
	ErrLastInsertID = errors.New("sqldriver: LastInsertId is not supported: the SQL engine has no auto-generated ids; use INSERT ... RETURNING")
	// ErrNamedParameter: an argument passed with sql.Named.
	ErrNamedParameter = errors.New("sqldriver: named parameters are not supported; use ? or $1, $2 and so on")
	// ErrStoreInUse: a DSN naming a store this process already opened
	// through the driver with other streams.
	ErrStoreInUse = errors.New("sqldriver: the store is open in this process with other streams")
)

// Config says which stream a connector runs statements on, and with what
// transaction timeout.
type Config struct {
	// Stream is the SQL stream (a proven.SQL stream of the store).
	Stream string
	// TransactionTimeout bounds each transaction begun with BeginTx
	// (default TransactionTimeoutDefault).
	TransactionTimeout time.Duration
}

// Driver is the database/sql driver, registered as "proven". Its data
// source name is "<dir>?stream=<name>[&timeout=<duration>]": the store's
// directory and the SQL stream to use, with an optional transaction
// timeout (a Go duration). The store is opened at the first connection
// and closed with the last sql.DB using it; it runs that one stream.
type Driver struct{}

// Open opens a connection on its own connector; database/sql uses
// OpenConnector instead.
func (d Driver) Open(dsn string) (driver.Conn, error) {
	c, err := d.OpenConnector(dsn)
	if err != nil {
		return nil, err
	}
	connection, err := c.Connect(context.Background())
	if err != nil {
		c.(*connector).Close()
		return nil, err
	}
	connection.(*conn).ownsConnector = true
	return connection, nil
}

// OpenConnector reads the data source name; the store opens at the first
// connection.
func (Driver) OpenConnector(dsn string) (driver.Connector, error) {
	dir, config, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return &connector{config: config, dir: dir}, nil
}

// parseDSN reads "<dir>?stream=<name>[&timeout=<duration>]".
func parseDSN(dsn string) (string, Config, error) {
	dir, query, found := strings.Cut(dsn, "?")
	if !found || dir == "" {
		return "", Config{}, fmt.Errorf("%w %q: want <dir>?stream=<name>", ErrBadDSN, dsn)
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return "", Config{}, fmt.Errorf("%w %q: %v", ErrBadDSN, dsn, err)
	}
	var config Config
	for _, key := range slices.Sorted(maps.Keys(values)) {
		list := values[key]
		switch {
		case len(list) != 1:
			return "", Config{}, fmt.Errorf("%w %q: %s given %d times", ErrBadDSN, dsn, key, len(list))
		case key == "stream":
			config.Stream = list[0]
		case key == "timeout":
			if config.TransactionTimeout, err = time.ParseDuration(list[0]); err != nil || config.TransactionTimeout <= 0 {
				return "", Config{}, fmt.Errorf("%w %q: timeout %q: want a positive Go duration such as 5s", ErrBadDSN, dsn, list[0])
			}
		default:
			return "", Config{}, fmt.Errorf("%w %q: unknown parameter %q (want stream, timeout)", ErrBadDSN, dsn, key)
		}
	}
	if config.Stream == "" {
		return "", Config{}, fmt.Errorf("%w %q: no stream (want <dir>?stream=<name>)", ErrBadDSN, dsn)
	}
	return dir, config, nil
}

// Connector returns a connector on a store the application opened
// (proven.Open), for sql.OpenDB: statements run on stream, which the
// store must run with the SQL engine. Closing the sql.DB leaves the
// store open.
func Connector(db *live.DB, stream string) driver.Connector {
	return NewConnector(db, Config{Stream: stream})
}

// NewConnector is Connector with a Config.
func NewConnector(db *live.DB, config Config) driver.Connector {
	return &connector{config: config, db: db}
}

// connector makes connections on one stream of one store. With dir set it
// opened the store through the registry and releases it at Close.
type connector struct {
	config Config
	dir    string

	mutex  sync.Mutex
	db     *live.DB
	shared *sharedStore
	closed bool
}

func (c *connector) Driver() driver.Driver { return Driver{} }

// Connect returns a connection; the first one of a DSN's connector opens
// the store.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	db, err := c.store()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(db.Streams(), c.config.Stream) {
		return nil, fmt.Errorf("%w: %q (the store runs %v)", live.ErrUnknownStream, c.config.Stream, db.Streams())
	}
	if err := db.Err(); err != nil {
		return nil, err
	}
	return newConn(c, db), nil
}

func (c *connector) store() (*live.DB, error) {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	switch {
	case c.closed:
		return nil, live.ErrClosed
	case c.db != nil:
		return c.db, nil
	}
	shared, err := acquire(c.dir, c.config.Stream)
	if err != nil {
		return nil, err
	}
	c.shared, c.db = shared, shared.db
	return c.db, nil
}

// Close releases the store a DSN's connector opened (sql.DB.Close calls
// it); the store closes with its last connector. A connector on an
// application's store leaves it open.
func (c *connector) Close() error {
	c.mutex.Lock()
	defer c.mutex.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.shared == nil {
		return nil
	}
	return release(c.shared)
}

func (c *connector) timeout() time.Duration {
	if c.config.TransactionTimeout > 0 {
		return c.config.TransactionTimeout
	}
	return TransactionTimeoutDefault
}

// sharedStore is a store opened through DSNs, shared by their
// connectors: a directory opens once per process (a second live.Open of
// it would be refused as locked).
type sharedStore struct {
	dir        string
	db         *live.DB
	references int
}

var registry = struct {
	sync.Mutex
	stores map[string]*sharedStore
}{stores: map[string]*sharedStore{}}

// acquire opens the store in dir running stream, or takes another
// reference to it when it is already open.
func acquire(dir, stream string) (*sharedStore, error) {
	absolute, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadDSN, dir, err)
	}
	registry.Lock()
	defer registry.Unlock()
	if shared := registry.stores[absolute]; shared != nil {
		if !slices.Contains(shared.db.Streams(), stream) {
			return nil, fmt.Errorf("%w: %s runs %v, not %q; open it once with proven.Open naming every stream, and use sqldriver.Connector",
				ErrStoreInUse, absolute, shared.db.Streams(), stream)
		}
		shared.references++
		return shared, nil
	}
	db, err := live.Open(absolute, live.Options{Streams: []catalog.StreamSpec{catalog.SQL(stream)}})
	if err != nil {
		return nil, err
	}
	shared := &sharedStore{dir: absolute, db: db, references: 1}
	registry.stores[absolute] = shared
	return shared, nil
}

func release(shared *sharedStore) error {
	registry.Lock()
	defer registry.Unlock()
	shared.references--
	if shared.references > 0 {
		return nil
	}
	delete(registry.stores, shared.dir)
	return shared.db.Close()
}
