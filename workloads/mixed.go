package workloads

import (
	"context"
	"fmt"
	"strconv"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/stream"
	"github.com/proven2pc/proven/engines/value"
)

const (
	mixedKV       = "mixed-kv"
	mixedQueue    = "mixed-queue"
	mixedResource = "mixed-coin"
	mixedLog      = "mixed-log"
	ordersQueue   = "orders"
)

// mixedWorkload: transactions across four engines, as in the distributed
// transaction example. An order writes a KV record, enqueues the order
// number, appends it to a stream table (the Stream engine) and pays with a
// Resource transfer, in one transaction; a fulfilment reads how many
// orders the stream table holds, dequeues an order and marks its record
// shipped; read-only reads verify the balances, and read how many orders
// wait in the same snapshot (one read in four at an older snapshot, as in
// bank). Checked for conservation, by the stream-tables check (every
// committed order logged once, in commit order, and every fulfilment's
// count exact at its commit), and by the logs for atomicity across
// engines.
func mixedWorkload() workload {
	accounts := bankAccounts([]string{mixedResource}, nil)
	total := int64(len(accounts) * bankInitialBalance)
	nextOrder := int64(1)
	var setupCommit clock.Timestamp
	return workload{
		name: "mixed",
		streams: []cluster.StreamSpec{cluster.KV(mixedKV), cluster.Queue(mixedQueue), cluster.Resource(mixedResource),
			cluster.StreamTable(mixedLog)},
		setup: func(ctx context.Context, coord Transactions) error {
			return setupAccounts(ctx, coord, []string{mixedResource}, accounts, &setupCommit)
		},
		operation: func(c *client) {
			switch choice := c.rand(20); {
			case choice < 11:
				order := nextOrder // taken before the transaction yields to other clients
				nextOrder++
				orderOperation(c, accounts, order)
			case choice < 15:
				fulfilOperation(c)
			default:
				// The orders waiting, read in the same snapshot, make it span
				// two engines (and two log nodes when the logs are spread).
				readBalancesOperation(c, accounts, &setupCommit, func(ctx context.Context, read engines.Executor) error {
					_, err := queue.New(read, mixedQueue).Size(ctx, ordersQueue)
					return err
				})
			}
		},
		final: func(c *client) {
			readBalancesOperation(c, accounts, nil)
			streamFinalRead(c, []string{mixedLog})
		},
		checks: []check{conservationCheck(total), streamTablesCheck([]string{mixedLog}, mixedMicrosOf)},
	}
}

func orderKey(order int64) string { return fmt.Sprintf("order/%d", order) }

func orderOperation(c *client, accounts []account, order int64) {
	from, to := pick(c, accounts), pick(c, accounts)
	amount := int64(1 + c.rand(30))
	input := value.Map(map[string]value.Value{"order": value.Int(order), "from": value.String(from.label()),
		"to": value.String(to.label()), "amount": value.Int(amount)})
	c.transact("order", "", input, func(ctx context.Context, tx Txn) (value.Value, error) {
		if err := kv.New(tx, mixedKV).Put(ctx, orderKey(order), value.Int(amount)); err != nil {
			return input, err
		}
		if err := queue.New(tx, mixedQueue).Enqueue(ctx, ordersQueue, value.Int(order)); err != nil {
			return input, err
		}
		if err := stream.New(tx, mixedLog).Append(ctx, value.Int(order)); err != nil {
			return input, err
		}
		if from == to {
			return input, nil
		}
		return input, resource.New(tx, mixedResource).Transfer(ctx, coinToken, from.name, to.name, strconv.FormatInt(amount, 10))
	})
}

// fulfilOperation reads how many orders the stream table holds, dequeues
// the oldest order and marks it shipped; its value is {"logged": the
// count, "order": the order number, or Null when no order was waiting}.
func fulfilOperation(c *client) {
	c.transact("fulfil", "", value.Null(), func(ctx context.Context, tx Txn) (value.Value, error) {
		logged, err := stream.New(tx, mixedLog).LatestPosition(ctx)
		if err != nil {
			return value.Null(), err
		}
		order, found, err := queue.New(tx, mixedQueue).Dequeue(ctx, ordersQueue)
		output := value.Map(map[string]value.Value{"logged": value.Int(logged), "order": order})
		if err != nil || !found {
			return output, err
		}
		number, _ := order.AsInt()
		return output, kv.New(tx, mixedKV).PutString(ctx, orderKey(number), "shipped")
	})
}

// mixedMicrosOf reads the mixed workload's operations on its stream
// table: an order's append of its number, a committed fulfilment's count
// of logged orders, and the final read.
func mixedMicrosOf(operation checkers.Operation) []streamMicro {
	switch operation.Function {
	case "order":
		order, _ := operation.Input.MapGet("order")
		number, _ := order.AsInt()
		return []streamMicro{{kind: microAppend, table: mixedLog, value: number}}
	case "fulfil":
		logged, found := operation.Output.MapGet("logged")
		if operation.Type != checkers.TypeOK || !found {
			return nil
		}
		latest, _ := logged.AsInt()
		return []streamMicro{{kind: microLatest, table: mixedLog, latest: latest}}
	}
	return streamMicrosOf(operation)
}
