package binenc

import (
	"bytes"
	"io"
	"testing"

	"pgregory.net/rapid"
)

// itemStream is a Stream of items appended one by one through a
// ChunkWriter; it announces lie more bytes than it writes.
type itemStream struct {
	items [][]byte
	lie   int
}

func (s itemStream) Len() int { return len(bytes.Join(s.items, nil)) + s.lie }

func (s itemStream) WriteTo(w io.Writer) (int64, error) {
	chunks := NewChunkWriter(w)
	for _, item := range s.items {
		if !chunks.Wrote(append(chunks.Chunk(), item...)) {
			break
		}
	}
	return chunks.Flush()
}

// TestSealedAndJoinedStreams: Joined writes its parts one after another
// and Sealed adds Seal's checksum, whatever the chunking of the inner
// part (items up to two chunks long); an inner part that writes other
// than it announces is an error.
func TestSealedAndJoinedStreams(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		prefix := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "prefix")
		suffix := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "suffix")
		var items [][]byte
		for range rapid.IntRange(0, 6).Draw(t, "items") {
			length := rapid.SampledFrom([]int{0, 1, 100, StreamChunkLen - 1, StreamChunkLen, 2 * StreamChunkLen}).Draw(t, "length")
			items = append(items, bytes.Repeat([]byte{rapid.Byte().Draw(t, "byte")}, length))
		}
		lie := rapid.SampledFrom([]int{0, 0, -1, 1}).Draw(t, "lie")
		inner := itemStream{items: items, lie: lie}
		joined := append(append(bytes.Clone(prefix), bytes.Join(items, nil)...), suffix...)
		for name, stream := range map[string]Stream{
			"joined": Joined{Prefix: prefix, Inner: inner, Suffix: suffix},
			"sealed": Sealed{Prefix: prefix, Inner: inner, Suffix: suffix},
		} {
			want := joined
			if name == "sealed" {
				want = Seal(bytes.Clone(joined))
			}
			var out bytes.Buffer
			n, err := stream.WriteTo(&out)
			if lie != 0 {
				if err == nil {
					t.Fatalf("%s: an inner part off by %d bytes: no error", name, lie)
				}
				continue
			}
			if err != nil || n != int64(len(want)) || stream.Len() != len(want) || !bytes.Equal(out.Bytes(), want) {
				t.Fatalf("%s: wrote %d bytes (Len %d, %v), want %d", name, n, stream.Len(), err, len(want))
			}
		}
	})
}
