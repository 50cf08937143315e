// go-tlog drives the Go checksum database's reference code (golang.org/x/mod/sumdb/note and
// sumdb/tlog, as Debian packages them) for test/tlog-go-reference.test.ts. It reads one JSON
// request on stdin and writes one JSON answer on stdout; []byte fields are base64.
//
// Build: GO111MODULE=off GOPATH=/usr/share/gocode go build -o go-tlog main.go
package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type request struct {
	Op string `json:"op"`

	// open: the note and the verifier keys; sign: the text and the signer keys; generate: the name.
	Note  string   `json:"note"`
	Keys  []string `json:"keys"`
	Text  string   `json:"text"`
	Skeys []string `json:"skeys"`
	Name  string   `json:"name"`

	// tree: the records (entry bytes), our stored hashes, and our proofs to check.
	Records     [][]byte     `json:"records"`
	Stored      []byte       `json:"stored"`
	Inclusion   []proofToRun `json:"inclusion"`
	Consistency []proofToRun `json:"consistency"`
}

type proofToRun struct {
	Index int64    `json:"index"` // inclusion: the leaf; consistency: the old size
	Size  int64    `json:"size"`
	Proof [][]byte `json:"proof"`
}

type signature struct {
	Name   string `json:"name"`
	KeyID  uint32 `json:"keyId"`
	Base64 string `json:"base64"`
}

type proofResult struct {
	Error string   `json:"error"` // tlog.CheckRecord / CheckTree on our proof; "" when it holds
	Proof [][]byte `json:"proof"` // tlog.ProveRecord / ProveTree for the same question
}

type answer struct {
	Error string `json:"error,omitempty"`

	Text       string      `json:"text,omitempty"`
	Sigs       []signature `json:"sigs,omitempty"`
	Unverified []signature `json:"unverified,omitempty"`
	Note       string      `json:"note,omitempty"`
	Skey       string      `json:"skey,omitempty"`
	Vkey       string      `json:"vkey,omitempty"`

	LeafHashes  [][]byte      `json:"leafHashes,omitempty"`
	Roots       [][]byte      `json:"roots,omitempty"` // roots[n-1] is the root of size n
	StoredEqual bool          `json:"storedEqual,omitempty"`
	Inclusion   []proofResult `json:"inclusion,omitempty"`
	Consistency []proofResult `json:"consistency,omitempty"`
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		fail(err)
	}
	var out answer
	switch req.Op {
	case "open":
		out = open(req)
	case "sign":
		out = sign(req)
	case "generate":
		skey, vkey, err := note.GenerateKey(rand.Reader, req.Name)
		if err != nil {
			fail(err)
		}
		out = answer{Skey: skey, Vkey: vkey}
	case "tree":
		out = tree(req)
	default:
		fail(fmt.Errorf("unknown op %q", req.Op))
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func open(req request) answer {
	var verifiers []note.Verifier
	for _, k := range req.Keys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return answer{Error: "NewVerifier: " + err.Error()}
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open([]byte(req.Note), note.VerifierList(verifiers...))
	if err != nil {
		return answer{Error: err.Error()}
	}
	return answer{Text: n.Text, Sigs: sigs(n.Sigs), Unverified: sigs(n.UnverifiedSigs)}
}

func sigs(list []note.Signature) []signature {
	out := []signature{}
	for _, s := range list {
		out = append(out, signature{s.Name, s.Hash, s.Base64})
	}
	return out
}

func sign(req request) answer {
	var signers []note.Signer
	for _, k := range req.Skeys {
		s, err := note.NewSigner(k)
		if err != nil {
			return answer{Error: "NewSigner: " + err.Error()}
		}
		signers = append(signers, s)
	}
	msg, err := note.Sign(&note.Note{Text: req.Text}, signers...)
	if err != nil {
		return answer{Error: err.Error()}
	}
	return answer{Note: string(msg)}
}

// tree builds the log with tlog's own StoredHashes, then answers roots and proofs from it and
// checks ours against its roots.
func tree(req request) answer {
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("stored hash %d out of range", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	var out answer
	for n, data := range req.Records {
		hashes, err := tlog.StoredHashes(int64(n), data, reader)
		if err != nil {
			fail(err)
		}
		stored = append(stored, hashes...)
		out.LeafHashes = append(out.LeafHashes, hashes[0][:])
	}
	roots := make([]tlog.Hash, len(req.Records)+1)
	for n := 1; n <= len(req.Records); n++ {
		root, err := tlog.TreeHash(int64(n), reader)
		if err != nil {
			fail(err)
		}
		roots[n] = root
		out.Roots = append(out.Roots, root[:])
	}
	var flat []byte
	for _, h := range stored {
		flat = append(flat, h[:]...)
	}
	out.StoredEqual = string(flat) == string(req.Stored)

	for _, q := range req.Inclusion {
		var r proofResult
		if err := tlog.CheckRecord(hashes(q.Proof), q.Size, roots[q.Size], q.Index, tlog.RecordHash(req.Records[q.Index])); err != nil {
			r.Error = err.Error()
		}
		p, err := tlog.ProveRecord(q.Size, q.Index, reader)
		if err != nil {
			fail(err)
		}
		r.Proof = bytes(p)
		out.Inclusion = append(out.Inclusion, r)
	}
	for _, q := range req.Consistency {
		var r proofResult
		if err := tlog.CheckTree(hashes(q.Proof), q.Size, roots[q.Size], q.Index, roots[q.Index]); err != nil {
			r.Error = err.Error()
		}
		p, err := tlog.ProveTree(q.Size, q.Index, reader)
		if err != nil {
			fail(err)
		}
		r.Proof = bytes(p)
		out.Consistency = append(out.Consistency, r)
	}
	return out
}

func hashes(list [][]byte) []tlog.Hash {
	out := make([]tlog.Hash, len(list))
	for i, b := range list {
		copy(out[i][:], b)
	}
	return out
}

func bytes(list []tlog.Hash) [][]byte {
	out := [][]byte{}
	for _, h := range list {
		out = append(out, append([]byte(nil), h[:]...))
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-tlog:", err)
	os.Exit(2)
}
