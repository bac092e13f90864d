package kv

import (
	"context"
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// Client is the typed KV client of one stream. It encodes operations,
// runs them through an engines.Executor (a transaction's, a snapshot
// read's, or an auto-committing one) and decodes the results. Errors from
// the executor come back unchanged: a *engines.Refusal, or an error
// matching engines.ErrAborted or engines.ErrDeadline.
type Client struct{ target engines.Target }

// KeyValue is one pair of a scan result.
type KeyValue struct {
	Key   string
	Value value.Value
}

// ScanOptions selects the keys of a Scan. With a Prefix, the keys starting
// with it (Start and End must be empty); otherwise [Start, End), where an
// empty End means no upper bound.
type ScanOptions struct {
	Prefix  string
	Start   string
	End     string
	Limit   int  // at most that many pairs; 0 = no limit
	Reverse bool // largest key first
}

// Client errors. Compare with errors.Is.
var (
	// ErrWrongKind reports a typed Get of a value of another kind; the
	// concrete error is a *KindError.
	ErrWrongKind = errors.New("kv: value of another kind")
	// ErrBadScanOptions reports a Prefix together with Start or End, or a
	// negative or too large Limit.
	ErrBadScanOptions = errors.New("kv: bad scan options")
)

// errBadResult is engines.ErrBadResult, naming kv.
var errBadResult = fmt.Errorf("%w: kv", engines.ErrBadResult)

// KindError reports that Key holds a value of kind Found where a typed
// Get wanted Wanted.
type KindError struct {
	Key    string
	Found  value.Kind
	Wanted value.Kind
}

// Error reads like `kv: key "k" holds a string, not an int`.
func (e *KindError) Error() string {
	return fmt.Sprintf("kv: key %q holds %s, not %s", e.Key, kindPhrase(e.Found), kindPhrase(e.Wanted))
}

// Is makes errors.Is(err, ErrWrongKind) hold.
func (e *KindError) Is(target error) bool { return target == ErrWrongKind }

func kindPhrase(kind value.Kind) string {
	switch kind {
	case value.KindNull:
		return "null"
	case value.KindBytes:
		return "bytes"
	case value.KindInt:
		return "an int"
	}
	return "a " + kind.String()
}

// New returns a client for stream that runs operations through executor.
func New(executor engines.Executor, stream string) *Client {
	return &Client{engines.Target{Executor: executor, Stream: stream}}
}

// Get reads key: its value and whether it exists.
func (c *Client) Get(ctx context.Context, key string) (value.Value, bool, error) {
	result, err := c.execute(ctx, Operation{Kind: OperationGet, Key: key})
	if err != nil {
		return value.Value{}, false, err
	}
	return decodeGetResult(result)
}

// Put writes value under key.
func (c *Client) Put(ctx context.Context, key string, value value.Value) error {
	result, err := c.execute(ctx, Operation{Kind: OperationPut, Key: key, Value: value})
	if err != nil {
		return err
	}
	if !result.IsNull() {
		return fmt.Errorf("%w: put answered %s, want null", errBadResult, result)
	}
	return nil
}

// Delete removes key and reports whether it existed.
func (c *Client) Delete(ctx context.Context, key string) (bool, error) {
	result, err := c.execute(ctx, Operation{Kind: OperationDelete, Key: key})
	if err != nil {
		return false, err
	}
	existed, ok := result.AsBool()
	if !ok {
		return false, fmt.Errorf("%w: delete answered %s, want a bool", errBadResult, result)
	}
	return existed, nil
}

// Scan reads the pairs that options select, in key order (or reverse).
func (c *Client) Scan(ctx context.Context, options ScanOptions) ([]KeyValue, error) {
	operation, err := options.operation()
	if err != nil {
		return nil, err
	}
	result, err := c.execute(ctx, operation)
	if err != nil {
		return nil, err
	}
	return decodeScanResult(result)
}

func (o ScanOptions) operation() (Operation, error) {
	if o.Limit < 0 || o.Limit > ScanLimitMax {
		return Operation{}, fmt.Errorf("%w: limit %d outside [0, %d]", ErrBadScanOptions, o.Limit, ScanLimitMax)
	}
	if o.Prefix != "" {
		if o.Start != "" || o.End != "" {
			return Operation{}, fmt.Errorf("%w: prefix %q with start %q or end %q", ErrBadScanOptions, o.Prefix, o.Start, o.End)
		}
		return Operation{Kind: OperationScanPrefix, Prefix: o.Prefix, Limit: o.Limit, Reverse: o.Reverse}, nil
	}
	return Operation{Kind: OperationScan, Start: o.Start, End: o.End, EndUnbounded: o.End == "", Limit: o.Limit, Reverse: o.Reverse}, nil
}

// execute runs operation and decodes its result as a value.
func (c *Client) execute(ctx context.Context, operation Operation) (value.Value, error) {
	result, err := c.target.Execute(ctx, operation.Encode())
	if err != nil {
		return value.Value{}, err
	}
	v, err := value.Decode(result)
	if err != nil {
		return value.Value{}, fmt.Errorf("%w: %s: %v", errBadResult, operation.Kind, err)
	}
	return v, nil
}

// decodeGetResult reads [] (absent) or [value] (present).
func decodeGetResult(result value.Value) (value.Value, bool, error) {
	if result.Kind() != value.KindList || result.Len() > 1 {
		return value.Value{}, false, fmt.Errorf("%w: get answered %s, want [] or [value]", errBadResult, result)
	}
	if result.Len() == 0 {
		return value.Value{}, false, nil
	}
	return result.Index(0), true, nil
}

// decodeScanResult reads a list of [key, value] pairs.
func decodeScanResult(result value.Value) ([]KeyValue, error) {
	if result.Kind() != value.KindList {
		return nil, fmt.Errorf("%w: scan answered %s, want a list", errBadResult, result.Kind())
	}
	pairs := make([]KeyValue, 0, result.Len())
	for index := range result.Len() {
		pair := result.Index(index)
		if pair.Kind() != value.KindList || pair.Len() != 2 {
			return nil, fmt.Errorf("%w: scan pair %d is %s, want [key, value]", errBadResult, index, pair)
		}
		key, ok := pair.Index(0).AsBytes()
		if !ok {
			return nil, fmt.Errorf("%w: scan pair %d has key %s, want bytes", errBadResult, index, pair.Index(0))
		}
		pairs = append(pairs, KeyValue{Key: string(key), Value: pair.Index(1)})
	}
	return pairs, nil
}

// getKind reads key and checks that its value has the wanted kind.
func (c *Client) getKind(ctx context.Context, key string, wanted value.Kind) (value.Value, bool, error) {
	v, found, err := c.Get(ctx, key)
	if err != nil || !found {
		return value.Value{}, false, err
	}
	if v.Kind() != wanted {
		return value.Value{}, false, &KindError{Key: key, Found: v.Kind(), Wanted: wanted}
	}
	return v, true, nil
}

// getTyped reads key as a value of the wanted kind, converted by as.
func getTyped[T any](ctx context.Context, c *Client, key string, wanted value.Kind, as func(value.Value) (T, bool)) (T, bool, error) {
	v, found, err := c.getKind(ctx, key, wanted)
	typed, _ := as(v)
	return typed, found, err
}

// PutString writes a string value.
func (c *Client) PutString(ctx context.Context, key, v string) error {
	return c.Put(ctx, key, value.String(v))
}

// GetString reads a string value; another kind returns a *KindError.
func (c *Client) GetString(ctx context.Context, key string) (string, bool, error) {
	return getTyped(ctx, c, key, value.KindString, value.Value.AsString)
}

// PutInt writes an int value.
func (c *Client) PutInt(ctx context.Context, key string, v int64) error {
	return c.Put(ctx, key, value.Int(v))
}

// GetInt reads an int value; another kind returns a *KindError.
func (c *Client) GetInt(ctx context.Context, key string) (int64, bool, error) {
	return getTyped(ctx, c, key, value.KindInt, value.Value.AsInt)
}

// PutBytes writes a bytes value.
func (c *Client) PutBytes(ctx context.Context, key string, v []byte) error {
	return c.Put(ctx, key, value.Bytes(v))
}

// GetBytes reads a bytes value; another kind returns a *KindError.
func (c *Client) GetBytes(ctx context.Context, key string) ([]byte, bool, error) {
	return getTyped(ctx, c, key, value.KindBytes, value.Value.AsBytes)
}

// PutDecimal writes a decimal value, its scale kept (1.50 stays 1.50).
func (c *Client) PutDecimal(ctx context.Context, key string, v value.Decimal) error {
	return c.Put(ctx, key, value.DecimalValue(v))
}

// GetDecimal reads a decimal value; another kind returns a *KindError.
func (c *Client) GetDecimal(ctx context.Context, key string) (value.Decimal, bool, error) {
	return getTyped(ctx, c, key, value.KindDecimal, value.Value.AsDecimal)
}

// PutTimestamp writes a timestamp value.
func (c *Client) PutTimestamp(ctx context.Context, key string, v value.Timestamp) error {
	return c.Put(ctx, key, value.TimestampValue(v))
}

// GetTimestamp reads a timestamp value; another kind returns a
// *KindError.
func (c *Client) GetTimestamp(ctx context.Context, key string) (value.Timestamp, bool, error) {
	return getTyped(ctx, c, key, value.KindTimestamp, value.Value.AsTimestamp)
}

// PutUUID writes a UUID value.
func (c *Client) PutUUID(ctx context.Context, key string, v value.UUID) error {
	return c.Put(ctx, key, value.UUIDValue(v))
}

// GetUUID reads a UUID value; another kind returns a *KindError.
func (c *Client) GetUUID(ctx context.Context, key string) (value.UUID, bool, error) {
	return getTyped(ctx, c, key, value.KindUUID, value.Value.AsUUID)
}

// PutMap writes a map value.
func (c *Client) PutMap(ctx context.Context, key string, v map[string]value.Value) error {
	return c.Put(ctx, key, value.Map(v))
}

// GetMap reads a map value; another kind returns a *KindError.
func (c *Client) GetMap(ctx context.Context, key string) (map[string]value.Value, bool, error) {
	v, found, err := c.getKind(ctx, key, value.KindMap)
	if err != nil || !found {
		return nil, found, err
	}
	entries := v.MapEntries()
	out := make(map[string]value.Value, len(entries))
	for _, entry := range entries {
		out[entry.Key] = entry.Value
	}
	return out, true, nil
}
