package binenc

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
)

// Streams. A checkpoint is as large as the state it holds; encoding it
// into one buffer holds a second copy of that state in memory while it is
// written. A Stream is an encoding of known length written in pieces to an
// io.Writer instead, so that a host can write a checkpoint to a file
// without holding all of it.

// A Stream is an encoding of a known length, written in pieces. Writing it
// again writes the same bytes.
type Stream interface {
	// Len is the length of the encoding, exactly.
	Len() int
	// WriteTo writes the encoding to w.
	WriteTo(w io.Writer) (int64, error)
}

// Bytes is a Stream of bytes already encoded.
type Bytes []byte

// Len is the length of b.
func (b Bytes) Len() int { return len(b) }

// WriteTo writes b to w.
func (b Bytes) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(b)
	return int64(n), err
}

// Joined is the Stream of Prefix, Inner and Suffix, one after another:
// an encoding whose middle part is too large to encode at once.
type Joined struct {
	Prefix []byte
	Inner  Stream // nil: none
	Suffix []byte
}

// Len is the length of the joined bytes.
func (j Joined) Len() int {
	length := len(j.Prefix) + len(j.Suffix)
	if j.Inner != nil {
		length += j.Inner.Len()
	}
	return length
}

// WriteTo writes the joined bytes to w. It fails, rather than write bytes
// that the length prefixes before them would misdescribe, when Inner
// writes other than Inner.Len() bytes.
func (j Joined) WriteTo(w io.Writer) (int64, error) {
	n, err := w.Write(j.Prefix)
	written := int64(n)
	if err != nil {
		return written, err
	}
	if j.Inner != nil {
		want := j.Inner.Len()
		n, err := j.Inner.WriteTo(w)
		written += n
		if err != nil {
			return written, err
		}
		if n != int64(want) {
			return written, fmt.Errorf("binenc: a stream wrote %d bytes, %d announced", n, want)
		}
	}
	n, err = w.Write(j.Suffix)
	return written + int64(n), err
}

// Sealed is the Stream of a frame (or any sealed bytes) whose body has a
// part too large to encode at once: Prefix, Inner, Suffix, then the
// CRC-32C of them all, as Seal would append it.
type Sealed Joined

// Len is the length of the sealed bytes, checksum included.
func (s Sealed) Len() int { return Joined(s).Len() + checksumLen }

// WriteTo writes the sealed bytes to w (failing as Joined's WriteTo does).
func (s Sealed) WriteTo(w io.Writer) (int64, error) {
	sum := &checksumWriter{w: w}
	if _, err := Joined(s).WriteTo(sum); err != nil {
		return sum.n, err
	}
	n, err := w.Write(binary.BigEndian.AppendUint32(nil, sum.sum))
	return sum.n + int64(n), err
}

// checksumWriter passes bytes on to w and keeps their CRC-32C and count.
type checksumWriter struct {
	w   io.Writer
	sum uint32
	n   int64
}

func (c *checksumWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.sum = crc32.Update(c.sum, castagnoli, p[:n])
	c.n += int64(n)
	return n, err
}

// StreamChunkLen is how many bytes a Stream that encodes item by item
// gathers before it writes them (ChunkWriter).
const StreamChunkLen = 64 << 10

// ChunkWriter gathers an encoding appended item by item (to Chunk, handed
// back with Wrote) and writes it to w in chunks of about StreamChunkLen
// bytes; it keeps the first error.
type ChunkWriter struct {
	w     io.Writer
	chunk []byte
	n     int64
	err   error
}

// NewChunkWriter returns a ChunkWriter that writes to w.
func NewChunkWriter(w io.Writer) *ChunkWriter {
	// Room for a chunk and an item as long again: an item appended to a
	// chunk not yet full fits without growing the array.
	return &ChunkWriter{w: w, chunk: make([]byte, 0, 2*StreamChunkLen)}
}

// Chunk returns the chunk to append an item to; pass the result to Wrote.
// (An append function passed in would be a closure allocated per item.)
func (c *ChunkWriter) Chunk() []byte { return c.chunk }

// Wrote takes back the chunk Chunk returned, with an item appended, and
// writes it once it is full; it reports whether no write has failed (stop
// appending once it is false).
func (c *ChunkWriter) Wrote(chunk []byte) bool {
	if c.err != nil {
		return false
	}
	c.chunk = chunk
	if len(c.chunk) >= StreamChunkLen {
		c.write()
	}
	return c.err == nil
}

// Flush writes what is gathered and returns the bytes written in all and
// the first error.
func (c *ChunkWriter) Flush() (int64, error) {
	if c.err == nil && len(c.chunk) > 0 {
		c.write()
	}
	return c.n, c.err
}

func (c *ChunkWriter) write() {
	n, err := c.w.Write(c.chunk)
	c.n += int64(n)
	c.err = err
	c.chunk = c.chunk[:0]
}
