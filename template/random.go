package template

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// pyRandom is Python's random.Random (MT19937 with Python's seeding), so
// "random(seed=x)" gives the numbers Ansible gives.
type pyRandom struct {
	mt  [624]uint32
	idx int
}

func (r *pyRandom) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < 624; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.idx = 624
}

func (r *pyRandom) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := len(key)
	if 624 > k {
		k = 624
	}
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= 624 {
			r.mt[0] = r.mt[623]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = 623; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= 624 {
			r.mt[0] = r.mt[623]
			i = 1
		}
	}
	r.mt[0] = 0x80000000
}

func (r *pyRandom) uint32() uint32 {
	if r.idx >= 624 {
		for i := 0; i < 624; i++ {
			y := (r.mt[i] & 0x80000000) | (r.mt[(i+1)%624] & 0x7fffffff)
			v := r.mt[(i+397)%624] ^ (y >> 1)
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			r.mt[i] = v
		}
		r.idx = 0
	}
	y := r.mt[r.idx]
	r.idx++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// seedPy seeds as Python's Random(seed) does for int and str seeds.
func seedPy(seed any) *pyRandom {
	var n *big.Int
	switch x := seed.(type) {
	case int:
		n = big.NewInt(int64(x))
		n.Abs(n)
	case bool:
		n = big.NewInt(0)
		if x {
			n = big.NewInt(1)
		}
	default:
		str, _ := pyStr(seed)
		sum := sha512.Sum512([]byte(str))
		n = new(big.Int).SetBytes(append([]byte(str), sum[:]...))
	}
	var key []uint32
	mask := big.NewInt(0xffffffff)
	for t := new(big.Int).Set(n); t.Sign() > 0; t.Rsh(t, 32) {
		key = append(key, uint32(new(big.Int).And(t, mask).Uint64()))
	}
	if len(key) == 0 {
		key = []uint32{0}
	}
	r := &pyRandom{}
	r.initByArray(key)
	return r
}

func (r *pyRandom) getrandbits(k int) uint64 {
	if k <= 32 {
		return uint64(r.uint32() >> (32 - k))
	}
	lo := uint64(r.uint32())
	hi := uint64(r.uint32() >> (64 - k))
	return hi<<32 | lo
}

func (r *pyRandom) randbelow(n int) int {
	if n <= 0 {
		return 0
	}
	k := big.NewInt(int64(n)).BitLen()
	v := r.getrandbits(k)
	for v >= uint64(n) {
		v = r.getrandbits(k)
	}
	return int(v)
}

// sysRandom draws from crypto/rand for unseeded calls, like SystemRandom.
func (s *state) randbelow(seed any, hasSeed bool) func(int) int {
	if hasSeed && seed != nil {
		r := seedPy(seed)
		return r.randbelow
	}
	return func(n int) int {
		if n <= 0 {
			return 0
		}
		v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
		if err != nil {
			s.t.mu.Lock()
			defer s.t.mu.Unlock()
			return s.t.rnd.Intn(n)
		}
		return int(v.Int64())
	}
}

func fRandom(s *state, v any, args []any, kw map[string]any) (any, error) {
	seed, hasSeed := argN(args, kw, 2, "seed")
	below := s.randbelow(seed, hasSeed)
	start, err := intArg(args, kw, 0, "start", 0)
	if err != nil {
		return nil, err
	}
	step, err := intArg(args, kw, 1, "step", 1)
	if err != nil {
		return nil, err
	}
	if step == 0 {
		step = 1
	}
	switch x := v.(type) {
	case int:
		width := x - start
		var n int
		if step > 0 {
			n = (width + step - 1) / step
		} else {
			n = (width + step + 1) / step
		}
		if n <= 0 {
			return nil, valueErr("empty range for randrange() (%d, %d, %d)", start, x, step)
		}
		return start + step*below(n), nil
	case []any, tuple, string:
		if start != 0 || step != 1 {
			return nil, &Error{Msg: "start and step can only be used with integer values"}
		}
		items, _ := iterate(x)
		if len(items) == 0 {
			return nil, valueErr("Cannot choose from an empty sequence")
		}
		return items[below(len(items))], nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, &Error{Msg: "random can only be used on sequences and integers"}
}

func fShuffle(s *state, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	out := append([]any{}, items...)
	seed, hasSeed := argN(args, kw, 0, "seed")
	if b, _ := truth(seed); !b {
		hasSeed = false
	}
	below := s.randbelow(seed, hasSeed)
	for i := len(out) - 1; i > 0; i-- {
		j := below(i + 1)
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

func fToUUID(s *state, v any, args []any, kw map[string]any) (any, error) {
	str, err := toStr(v)
	if err != nil {
		return nil, err
	}
	ns := "361E6D51-FAEC-444A-9079-341386DA8E2E"
	if n, ok, _ := strArg(args, kw, 0, "namespace"); ok {
		ns = n
	}
	nsb, err := hex.DecodeString(strings.ReplaceAll(ns, "-", ""))
	if err != nil || len(nsb) != 16 {
		return nil, valueErr("badly formed hexadecimal UUID string")
	}
	h := sha1.Sum(append(nsb, []byte(str)...))
	u := h[:16]
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	x := hex.EncodeToString(u)
	return fmt.Sprintf("%s-%s-%s-%s-%s", x[:8], x[8:12], x[12:16], x[16:20], x[20:]), nil
}

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// sha512Crypt is glibc's $6$ password hash.
func sha512Crypt(password, salt string, rounds int, showRounds bool) string {
	if len(salt) > 16 {
		salt = salt[:16]
	}
	p, sb := []byte(password), []byte(salt)
	h := sha512.New()
	h.Write(p)
	h.Write(sb)
	h.Write(p)
	b := h.Sum(nil)

	h.Reset()
	h.Write(p)
	h.Write(sb)
	for n := len(p); n > 0; n -= 64 {
		if n > 64 {
			h.Write(b)
		} else {
			h.Write(b[:n])
		}
	}
	for n := len(p); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(p)
		}
	}
	a := h.Sum(nil)

	h.Reset()
	for i := 0; i < len(p); i++ {
		h.Write(p)
	}
	dp := h.Sum(nil)
	pp := make([]byte, 0, len(p))
	for len(pp) < len(p) {
		n := len(p) - len(pp)
		if n > 64 {
			n = 64
		}
		pp = append(pp, dp[:n]...)
	}

	h.Reset()
	for i := 0; i < 16+int(a[0]); i++ {
		h.Write(sb)
	}
	ds := h.Sum(nil)
	sp := ds[:len(sb)]

	c := a
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(pp)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(sp)
		}
		if i%7 != 0 {
			h.Write(pp)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(pp)
		}
		c = h.Sum(nil)
	}
	order := [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}}
	var out strings.Builder
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for ; n > 0; n-- {
			out.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	for _, o := range order {
		enc(c[o[0]], c[o[1]], c[o[2]], 4)
	}
	enc(0, 0, c[63], 2)
	prefix := "$6$"
	if showRounds {
		prefix += "rounds=" + strconv.Itoa(rounds) + "$"
	}
	return prefix + salt + "$" + out.String()
}

func fPasswordHash(s *state, v any, args []any, kw map[string]any) (any, error) {
	pw, err := toStr(v)
	if err != nil {
		return nil, err
	}
	typ := "sha512"
	if t, ok, _ := strArg(args, kw, 0, "hashtype"); ok {
		typ = t
	}
	if typ != "sha512" && typ != "sha512_crypt" {
		return nil, &Error{Msg: fmt.Sprintf("password_hash: hash type %s is not supported by omeprov (only sha512)", typ)}
	}
	salt, hasSalt, err := strArg(args, kw, 1, "salt")
	if err != nil {
		return nil, err
	}
	if !hasSalt {
		var b strings.Builder
		buf := make([]byte, 16)
		if _, err := rand.Read(buf); err != nil {
			return nil, err
		}
		for _, c := range buf {
			b.WriteByte(cryptAlphabet[int(c)%64])
		}
		salt = b.String()
	}
	for _, c := range salt {
		if !strings.ContainsRune(cryptAlphabet, c) {
			return nil, &Error{Msg: "invalid characters in sha512_crypt salt"}
		}
	}
	// passlib (used by Ansible when installed) defaults to 656000 rounds and
	// writes them into the hash.
	rounds := 656000
	if r, ok := argN(args, kw, 3, "rounds"); ok && r != nil {
		n, isInt := r.(int)
		if !isInt || n < 1000 || n > 999999999 {
			return nil, &Error{Msg: "rounds must be an integer between 1000 and 999999999"}
		}
		rounds = n
	}
	return sha512Crypt(pw, salt, rounds, rounds != 5000), nil
}
