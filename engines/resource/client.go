package resource

import (
	"context"
	"fmt"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/value"
)

// errBadResult is engines.ErrBadResult, naming resource: a reply that is
// not what the operation returns.
var errBadResult = fmt.Errorf("%w: resource", engines.ErrBadResult)

// Client is the typed client of a Resource stream. It encodes operations,
// runs them through an engines.Executor (a read-write transaction, a
// snapshot read or an ad-hoc operation, as the executor decides) and
// decodes the answers. Errors from the executor are returned unchanged:
// match them with errors.Is against engines.ErrInsufficient,
// engines.ErrNotFound, engines.ErrInvalid, engines.ErrAborted...
type Client struct{ target engines.Target }

// New returns a client of the Resource engine on stream.
func New(executor engines.Executor, stream string) *Client {
	return &Client{engines.Target{Executor: executor, Stream: stream}}
}

// Create creates token with a symbol and a number of fraction digits
// (0..DecimalsMax), fixed forever.
func (c *Client) Create(ctx context.Context, token, symbol string, decimals int) error {
	if decimals < 0 || decimals > DecimalsMax {
		return engines.Refuse(engines.CodeInvalid, "resource: create %q: decimals %d outside 0..%d", token, decimals, DecimalsMax)
	}
	return c.write(ctx, operation{kind: operationCreate, token: token, symbol: symbol, decimals: decimals})
}

// Mint credits amount (decimal text such as "12.5") of token to an account.
func (c *Client) Mint(ctx context.Context, token, to, amount string) error {
	return c.write(ctx, operation{kind: operationMint, token: token, to: to, amount: amount})
}

// Burn debits amount of token from an account and removes it from the supply.
func (c *Client) Burn(ctx context.Context, token, from, amount string) error {
	return c.write(ctx, operation{kind: operationBurn, token: token, from: from, amount: amount})
}

// Transfer moves amount of token from one account to another.
func (c *Client) Transfer(ctx context.Context, token, from, to, amount string) error {
	return c.write(ctx, operation{kind: operationTransfer, token: token, from: from, to: to, amount: amount})
}

// Balance returns the balance of an account as exact decimal text.
func (c *Client) Balance(ctx context.Context, token, account string) (string, error) {
	return c.amount(ctx, operation{kind: operationBalance, token: token, account: account})
}

// Supply returns the token's supply as exact decimal text.
func (c *Client) Supply(ctx context.Context, token string) (string, error) {
	return c.amount(ctx, operation{kind: operationSupply, token: token})
}

// Metadata returns the token's symbol and decimals.
func (c *Client) Metadata(ctx context.Context, token string) (Metadata, error) {
	result, err := c.target.Execute(ctx, operation{kind: operationMetadata, token: token}.encode())
	if err != nil {
		return Metadata{}, err
	}
	value, err := value.Decode(result)
	if err != nil {
		return Metadata{}, fmt.Errorf("%w: metadata: %v", errBadResult, err)
	}
	m, err := decodeMetadataValue(value)
	if err != nil {
		return Metadata{}, fmt.Errorf("%w: metadata: %v", errBadResult, err)
	}
	return m, nil
}

func (c *Client) write(ctx context.Context, op operation) error {
	result, err := c.target.Execute(ctx, op.encode())
	if err != nil {
		return err
	}
	if value, err := value.Decode(result); err != nil || !value.IsNull() {
		return fmt.Errorf("%w: %s: want null", errBadResult, op.kind)
	}
	return nil
}

func (c *Client) amount(ctx context.Context, op operation) (string, error) {
	result, err := c.target.Execute(ctx, op.encode())
	if err != nil {
		return "", err
	}
	value, err := value.Decode(result)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", errBadResult, op.kind, err)
	}
	text, ok := value.AsString()
	if !ok {
		return "", fmt.Errorf("%w: %s: got %v, want amount text", errBadResult, op.kind, value.Kind())
	}
	return text, nil
}
