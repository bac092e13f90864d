package workloads

import (
	"context"

	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/stream"
	"github.com/proven2pc/proven/engines/value"
)

// The stream workload's history: a transaction is recorded as function
// "stream-txn" whose value is a list of micro-operations on the stream
// tables (Stream engine streams), in the order run:
//
//	["append", table, 17]                   an Append of one value
//	["latest", table, 4]                    LatestPosition (null on invoke)
//	["read", table, position, limit, [..]]  ReadFrom (null on invoke)
//
// A read-only transaction is "stream-read", its value the same reads after
// ["snapshot", "<timestamp>"]; the final read of every table is
// "stream-final", its value a list of ["log", table, latest, [items]].
const (
	functionStreamTxn   = "stream-txn"
	functionStreamRead  = "stream-read"
	functionStreamFinal = "stream-final"
	microLatest         = "latest"
	microReadFrom       = "read"
	microSnapshot       = "snapshot"
	microLog            = "log"
)

// streamTableReadLimitMax is the largest limit the workload's reads draw.
const streamTableReadLimitMax = 6

// streamTableWorkload: transactions of one to four micro-operations over
// two Stream engine streams (appends of unique integers, ReadFrom around
// the end of the table, LatestPosition), read-only reads of both tables
// at a snapshot, and a final read of both; checked by the stream-table
// check (see checkStreamTables).
func streamTableWorkload() workload {
	tables := []string{"events-1", "events-2"}
	var specs []cluster.StreamSpec
	for _, table := range tables {
		specs = append(specs, cluster.StreamTable(table))
	}
	nextValue := int64(1)
	appended := map[string]int64{} // values taken per table: a bound on its length
	return workload{
		name:    "stream",
		streams: specs,
		setup:   noSetup,
		operation: func(c *client) {
			if c.rand(5) == 0 {
				streamReadOnlyOperation(c, tables, appended)
				return
			}
			var micro []value.Value
			for range 1 + c.rand(4) {
				table := pick(c, tables)
				switch kind := c.rand(20); {
				case kind < 9:
					// Taken before the transaction yields to other clients.
					micro = append(micro, value.List(value.String(microAppend), value.String(table), value.Int(nextValue)))
					nextValue++
					appended[table]++
				case kind < 16:
					micro = append(micro, drawReadFrom(c, table, appended[table]))
				default:
					micro = append(micro, value.List(value.String(microLatest), value.String(table), value.Null()))
				}
			}
			c.transact(functionStreamTxn, "", value.List(micro...), func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
				return runStreamMicros(ctx, tx, micro)
			})
		},
		final:  func(c *client) { streamFinalRead(c, tables) },
		checks: []check{streamTablesCheck(tables, streamMicrosOf)},
	}
}

// drawReadFrom draws a ReadFrom near the end of a table whose length is
// at most bound.
func drawReadFrom(c *client, table string, bound int64) value.Value {
	position := 1 + int64(c.rand(int(bound)+2))
	limit := 1 + c.rand(streamTableReadLimitMax)
	return value.List(value.String(microReadFrom), value.String(table), value.Int(position), value.Int(int64(limit)), value.Null())
}

// runStreamMicros runs micro-operations through executor and returns them
// with what the reads saw.
func runStreamMicros(ctx context.Context, executor engines.Executor, micro []value.Value) (value.Value, error) {
	completed := make([]value.Value, len(micro))
	for index, m := range micro {
		kind, _ := m.Index(0).AsString()
		table, _ := m.Index(1).AsString()
		client := stream.New(executor, table)
		switch kind {
		case microAppend:
			if err := client.Append(ctx, m.Index(2)); err != nil {
				return value.Null(), err
			}
			completed[index] = m
		case microLatest:
			latest, err := client.LatestPosition(ctx)
			if err != nil {
				return value.Null(), err
			}
			completed[index] = value.List(m.Index(0), m.Index(1), value.Int(latest))
		default:
			position, _ := m.Index(2).AsInt()
			limit, _ := m.Index(3).AsInt()
			items, err := client.ReadFrom(ctx, position, int(limit))
			if err != nil {
				return value.Null(), err
			}
			values := make([]value.Value, len(items))
			for i, item := range items {
				values[i] = item.Value
			}
			completed[index] = value.List(m.Index(0), m.Index(1), m.Index(2), m.Index(3), value.List(values...))
		}
	}
	return value.List(completed...), nil
}

// streamReadOnlyOperation reads the latest position of every table and a
// few items near its end, in one read-only transaction.
func streamReadOnlyOperation(c *client, tables []string, appended map[string]int64) {
	var micro []value.Value
	for _, table := range tables {
		micro = append(micro, value.List(value.String(microLatest), value.String(table), value.Null()),
			drawReadFrom(c, table, appended[table]))
	}
	c.read(functionStreamRead, "", func(ctx context.Context) (value.Value, error) {
		read := c.coord.BeginReadOnly(ctx)
		completed, err := runStreamMicros(ctx, read, micro)
		if err != nil {
			return value.Null(), err
		}
		output := []value.Value{value.List(value.String(microSnapshot), value.String(read.Snapshot().String()))}
		for index := range completed.Len() {
			output = append(output, completed.Index(index))
		}
		return value.List(output...), nil
	})
}

// streamFinalRead reads every table whole, in one read-only transaction:
// its latest position and every item, in chunks.
func streamFinalRead(c *client, tables []string) {
	c.read(functionStreamFinal, "", func(ctx context.Context) (value.Value, error) {
		read := c.coord.BeginReadOnly(ctx)
		logs := make([]value.Value, len(tables))
		for index, table := range tables {
			client := stream.New(read, table)
			latest, err := client.LatestPosition(ctx)
			if err != nil {
				return value.Null(), err
			}
			var items []value.Value
			for {
				chunk, err := client.ReadFrom(ctx, int64(len(items))+1, stream.ReadLimitMax)
				if err != nil {
					return value.Null(), err
				}
				for _, item := range chunk {
					items = append(items, item.Value)
				}
				if len(chunk) < stream.ReadLimitMax {
					break
				}
			}
			logs[index] = value.List(value.String(microLog), value.String(table), value.Int(latest), value.List(items...))
		}
		return value.List(logs...), nil
	})
}
