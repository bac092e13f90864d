package processor_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/stream"
	"github.com/proven2pc/proven/engines/value"
	"pgregory.net/rapid"
)

// The Stream engine's spec: one append-only stream table; appends of one
// or two values, reads of a few positions (often past the end, so that
// they take the tail lock and meet appenders) and LatestPosition.

func TestStreamThroughProcessor(t *testing.T) { checkThroughProcessor(t, streamSpec()) }

func streamSpec() *engineSpec {
	return &engineSpec{
		restore: stream.Restore,
		draw: func(t *rapid.T, value int64) []string {
			switch kind := rapid.IntRange(0, 9).Draw(t, "kind"); {
			case kind <= 3:
				fields := []string{"append", strconv.FormatInt(value, 10)}
				if rapid.Bool().Draw(t, "two values") {
					fields = append(fields, strconv.FormatInt(-value, 10))
				}
				return fields
			case kind <= 6:
				return []string{"read-from", strconv.Itoa(rapid.IntRange(1, 8).Draw(t, "position")),
					strconv.Itoa(rapid.IntRange(0, 4).Draw(t, "limit"))}
			default:
				return []string{"latest-position"}
			}
		},
		probes:   [][]string{{"latest-position"}, {"read-from", "1", strconv.Itoa(stream.ReadLimitMax)}},
		newModel: func() serialModel { return &streamModel{} },
		run:      runStream,
	}
}

func runStream(executor engines.Executor, fields []string) (string, error) {
	client, ctx := stream.New(executor, memStream), context.Background()
	switch fields[0] {
	case "append":
		values := make([]value.Value, len(fields)-1)
		for index, text := range fields[1:] {
			number, _ := strconv.ParseInt(text, 10, 64)
			values[index] = value.Int(number)
		}
		return ok(client.Append(ctx, values...))
	case "read-from":
		position, _ := strconv.ParseInt(fields[1], 10, 64)
		limit, _ := strconv.Atoi(fields[2])
		items, err := client.ReadFrom(ctx, position, limit)
		texts := make([]string, len(items))
		for index, item := range items {
			texts[index] = fmt.Sprintf("%d:%v", item.Position, item.Value)
		}
		return "items " + strings.Join(texts, " "), err
	default:
		latest, err := client.LatestPosition(ctx)
		return fmt.Sprintf("latest %d", latest), err
	}
}

// streamModel is the table as a slice of the appended numbers.
type streamModel struct{ items []int64 }

func (m *streamModel) apply(fields []string) string {
	switch fields[0] {
	case "append":
		for _, text := range fields[1:] {
			number, _ := strconv.ParseInt(text, 10, 64)
			m.items = append(m.items, number)
		}
		return "ok"
	case "read-from":
		position, _ := strconv.Atoi(fields[1])
		limit, _ := strconv.Atoi(fields[2])
		var texts []string
		for at := position; at < position+limit && at <= len(m.items); at++ {
			texts = append(texts, fmt.Sprintf("%d:%d", at, m.items[at-1]))
		}
		return "items " + strings.Join(texts, " ")
	default:
		return fmt.Sprintf("latest %d", len(m.items))
	}
}
