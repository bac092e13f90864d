package orders

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
)

// The shop's streams, one per engine, and what it keeps in them.
const (
	// OrdersStream (KV) holds one record per order under "order/<n>": a
	// map of customer, amount and status (placed, then shipped).
	OrdersStream = "orders"
	// ShippingStream (Queue) holds the queue of placed orders waiting to
	// ship, by number.
	ShippingStream = "shipping"
	// CreditsStream (Resource) holds the customers' and the merchant's
	// credits.
	CreditsStream = "credits"

	shipQueue      = "to-ship"
	credit         = "credit"
	merchant       = "merchant"
	orderPrefix    = "order/"
	statusPlaced   = "placed"
	statusShipped  = "shipped"
	openingCredits = 100
)

// Order is one purchase.
type Order struct {
	Number   int64
	Customer string
	Amount   int64
}

func orderKey(number int64) string { return fmt.Sprintf("%s%d", orderPrefix, number) }

// Open creates the credit and gives every customer their opening
// credits.
func Open(ctx context.Context, tx engines.Executor, customers []string) error {
	credits := resource.New(tx, CreditsStream)
	if err := credits.Create(ctx, credit, "CR", 0); err != nil {
		return err
	}
	for _, customer := range customers {
		if err := credits.Mint(ctx, credit, customer, strconv.Itoa(openingCredits)); err != nil {
			return err
		}
	}
	return nil
}

// Pay moves the order's amount from the customer to the merchant; it
// fails with engines.ErrInsufficient when the customer lacks the credits.
func Pay(ctx context.Context, tx engines.Executor, order Order) error {
	return resource.New(tx, CreditsStream).Transfer(ctx, credit, order.Customer, merchant, strconv.FormatInt(order.Amount, 10))
}

// Book records the order as placed and queues it for shipping.
func Book(ctx context.Context, tx engines.Executor, order Order) error {
	record := map[string]value.Value{"customer": value.String(order.Customer), "amount": value.Int(order.Amount),
		"status": value.String(statusPlaced)}
	if err := kv.New(tx, OrdersStream).PutMap(ctx, orderKey(order.Number), record); err != nil {
		return err
	}
	return queue.New(tx, ShippingStream).Enqueue(ctx, shipQueue, value.Int(order.Number))
}

// errNoRecord reports a queued order without a record: the invariant
// check would catch its effects too, but the shop says it at once.
var errNoRecord = errors.New("orders: a queued order has no record")

// Ship takes the oldest waiting order off the queue and marks it shipped;
// it returns the order's number, or 0 when none was waiting.
func Ship(ctx context.Context, tx engines.Executor) (int64, error) {
	next, found, err := queue.New(tx, ShippingStream).Dequeue(ctx, shipQueue)
	if err != nil || !found {
		return 0, err
	}
	number, _ := next.AsInt()
	orders := kv.New(tx, OrdersStream)
	record, found, err := orders.GetMap(ctx, orderKey(number))
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("%w: order %d", errNoRecord, number)
	}
	record["status"] = value.String(statusShipped)
	return number, orders.PutMap(ctx, orderKey(number), record)
}

// Books is what an audit reads, at one snapshot across the three streams.
type Books struct {
	// Merchant and Customers are the credits held by the merchant and by
	// all customers together.
	Merchant, Customers int64
	// Ordered is the sum of the amounts of every order recorded; Placed
	// counts the orders not shipped yet.
	Ordered, Placed int64
	// Waiting is the length of the shipping queue.
	Waiting int64
}

// Audit reads the books through an executor (a read-only transaction:
// one snapshot of all three streams).
func Audit(ctx context.Context, read engines.Executor, customers []string) (Books, error) {
	var books Books
	credits := resource.New(read, CreditsStream)
	var err error
	if books.Merchant, err = balance(ctx, credits, merchant); err != nil {
		return Books{}, err
	}
	for _, customer := range customers {
		held, err := balance(ctx, credits, customer)
		if err != nil {
			return Books{}, err
		}
		books.Customers += held
	}
	records, err := kv.New(read, OrdersStream).Scan(ctx, kv.ScanOptions{Prefix: orderPrefix})
	if err != nil {
		return Books{}, err
	}
	for _, record := range records {
		fields := map[string]value.Value{}
		for _, entry := range record.Value.MapEntries() {
			fields[entry.Key] = entry.Value
		}
		amount, _ := fields["amount"].AsInt()
		books.Ordered += amount
		if status, _ := fields["status"].AsString(); status == statusPlaced {
			books.Placed++
		}
	}
	books.Waiting, err = queue.New(read, ShippingStream).Size(ctx, shipQueue)
	return books, err
}

func balance(ctx context.Context, credits *resource.Client, account string) (int64, error) {
	text, err := credits.Balance(ctx, credit, account)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(text, 10, 64)
}
