package engines

import "context"

// Executor runs one operation of a transaction on a named stream: an
// operation of a read-write transaction, a snapshot read of a read-only
// transaction, or an ad-hoc auto-committed operation. The coordinator
// implements it; typed clients (kv.Client, queue.Client, ...) are written
// against it and never see the protocol.
//
// A refused operation returns a *Refusal (match with errors.Is against
// ErrNotFound, ErrInsufficient, ...); a transaction that can no longer
// continue returns an error matching ErrAborted or ErrDeadline.
type Executor interface {
	Execute(ctx context.Context, stream string, operation []byte) ([]byte, error)
}

// Target is what a typed client runs its operations on: one stream,
// through an Executor.
type Target struct {
	Executor Executor
	Stream   string
}

// Execute runs operation on the target's stream.
func (t Target) Execute(ctx context.Context, operation []byte) ([]byte, error) {
	return t.Executor.Execute(ctx, t.Stream, operation)
}
