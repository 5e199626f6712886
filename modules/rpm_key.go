package modules

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/ome/omeprov/connection"
)

// The rpm_key module imports or removes a GPG key in the host's rpm
// database, idempotent by key id. The key ids and fingerprints are read
// in Go from the OpenPGP packets (of the key file and of the gpg-pubkey
// packages rpm holds), so the host needs only rpm (and curl or wget for
// a key given by URL, fetched from the host as Ansible does).

func init() {
	Register("rpm_key", Spec{
		Params: map[string]Param{
			"state":          {Type: "str", Default: "present", Choices: []string{"absent", "present"}},
			"key":            {Type: "str", Required: true},
			"fingerprint":    {Type: "str"},
			"validate_certs": {Type: "bool", Default: true},
		},
		CheckMode: true,
	}, ModuleFunc(runRPMKey))
}

var (
	pgpBlockRe = regexp.MustCompile(`(?s)-----BEGIN PGP PUBLIC KEY BLOCK-----.*?-----END PGP PUBLIC KEY BLOCK-----`)
	rpmKeyIDRe = regexp.MustCompile(`(?i)^(0x)?[0-9a-f]{8}`)
)

// pgpKey is the primary key of an OpenPGP public key.
type pgpKey struct {
	Fingerprint string // upper-case hex
	KeyID       string // the last 16 hex digits of the fingerprint
}

// pgpDearmor decodes an ASCII-armored block to its packets.
func pgpDearmor(block string) ([]byte, error) {
	lines := strings.Split(strings.ReplaceAll(block, "\r", ""), "\n")
	var b64 strings.Builder
	inBody := false
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "-----END") {
			break
		}
		if !inBody {
			if l == "" {
				inBody = true
			} else if !strings.Contains(l, ":") {
				inBody = true // no armor headers and no blank line
				b64.WriteString(l)
			}
			continue
		}
		if strings.HasPrefix(l, "=") && len(l) == 5 {
			break // CRC-24 checksum
		}
		b64.WriteString(l)
	}
	data, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil {
		return nil, fmt.Errorf("bad armor: %w", err)
	}
	return data, nil
}

// pgpPrimaryKey reads the first public-key packet (tag 6) of data and
// computes its v4 fingerprint and key id.
func pgpPrimaryKey(data []byte) (pgpKey, error) {
	for len(data) > 0 {
		h := data[0]
		if h&0x80 == 0 {
			return pgpKey{}, fmt.Errorf("not an OpenPGP packet")
		}
		var tag int
		var n, hl int
		if h&0x40 != 0 { // new format
			tag = int(h & 0x3f)
			if len(data) < 2 {
				return pgpKey{}, fmt.Errorf("truncated packet")
			}
			switch o := int(data[1]); {
			case o < 192:
				n, hl = o, 2
			case o < 224:
				if len(data) < 3 {
					return pgpKey{}, fmt.Errorf("truncated packet")
				}
				n, hl = (o-192)<<8+int(data[2])+192, 3
			case o == 255:
				if len(data) < 6 {
					return pgpKey{}, fmt.Errorf("truncated packet")
				}
				n, hl = int(data[2])<<24|int(data[3])<<16|int(data[4])<<8|int(data[5]), 6
			default:
				return pgpKey{}, fmt.Errorf("partial-length packets are not supported in keys")
			}
		} else { // old format
			tag = int(h>>2) & 0x0f
			switch h & 3 {
			case 0:
				if len(data) < 2 {
					return pgpKey{}, fmt.Errorf("truncated packet")
				}
				n, hl = int(data[1]), 2
			case 1:
				if len(data) < 3 {
					return pgpKey{}, fmt.Errorf("truncated packet")
				}
				n, hl = int(data[1])<<8|int(data[2]), 3
			case 2:
				if len(data) < 5 {
					return pgpKey{}, fmt.Errorf("truncated packet")
				}
				n, hl = int(data[1])<<24|int(data[2])<<16|int(data[3])<<8|int(data[4]), 5
			default:
				n, hl = len(data)-1, 1
			}
		}
		if n < 0 || hl+n > len(data) {
			return pgpKey{}, fmt.Errorf("truncated packet")
		}
		body := data[hl : hl+n]
		data = data[hl+n:]
		if tag != 6 {
			continue
		}
		if len(body) == 0 || body[0] != 4 {
			return pgpKey{}, fmt.Errorf("only version 4 OpenPGP keys are supported")
		}
		s := sha1.New()
		s.Write([]byte{0x99, byte(n >> 8), byte(n)})
		s.Write(body)
		fpr := strings.ToUpper(hex.EncodeToString(s.Sum(nil)))
		return pgpKey{Fingerprint: fpr, KeyID: fpr[len(fpr)-16:]}, nil
	}
	return pgpKey{}, fmt.Errorf("no public key packet")
}

// pgpKeysIn reads every armored public key block in text.
func pgpKeysIn(text string) ([]pgpKey, error) {
	var keys []pgpKey
	for _, block := range pgpBlockRe.FindAllString(text, -1) {
		data, err := pgpDearmor(block)
		if err != nil {
			return nil, err
		}
		k, err := pgpPrimaryKey(data)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// rpmNormalizeKeyID strips spaces and a 0x prefix and upper-cases.
func rpmNormalizeKeyID(id string) string {
	id = strings.ToUpper(strings.TrimSpace(id))
	return strings.TrimPrefix(id, "0X")
}

// rpmKeyImported reports whether keyid is part of an imported key's long
// id, as ansible's is_key_imported matches it.
func rpmKeyImported(imported []pgpKey, keyid string) bool {
	for _, k := range imported {
		if strings.Contains(k.KeyID, keyid) {
			return true
		}
	}
	return false
}

func runRPMKey(ctx context.Context, t *Task) (Result, error) {
	a := rpmArgs(t.Args)
	state := a.str("state")
	if state == "" {
		state = "present"
	}
	key := a.str("key")
	if key == "" {
		return Failf("missing required arguments: key"), nil
	}
	fingerprint := strings.ToUpper(strings.ReplaceAll(a.str("fingerprint"), " ", ""))

	var keyText string // the key's armored text, when it comes from a file or URL
	var keyid string
	switch {
	case strings.Contains(key, "://"):
		insecure := ""
		if !a.boolean("validate_certs", true) {
			insecure = " -k"
		}
		cmd := rpmKeyFetchCommand(key, insecure != "")
		res, err := t.Exec(ctx, cmd)
		if err != nil {
			return nil, fmt.Errorf("rpm_key: fetch %s: %w", key, err)
		}
		if res.ExitCode != 0 {
			return Failf("failed to fetch key at %s , error was: %s", key, strings.TrimSpace(string(res.Stderr))), nil
		}
		keyText = string(res.Stdout)
		if !pgpBlockRe.MatchString(keyText) {
			return Failf("Not a public key: %s", key), nil
		}
	case rpmKeyIDRe.MatchString(key):
		keyid = key
	default:
		b, err := t.Conn.GetFile(ctx, key, t.Become)
		if err != nil {
			return Failf("Not a valid key %s", key), nil
		}
		keyText = string(b)
	}
	var keyInfo pgpKey
	if keyText != "" {
		keys, err := pgpKeysIn(keyText)
		if err != nil || len(keys) == 0 {
			if err == nil {
				err = fmt.Errorf("no armored public key block")
			}
			return Failf("Unexpected key data in %s: %v", key, err), nil
		}
		keyInfo = keys[0]
		keyid = keyInfo.KeyID
	}
	keyid = rpmNormalizeKeyID(keyid)

	res, err := t.Exec(ctx, `LC_ALL=C rpm -q gpg-pubkey --qf '%{DESCRIPTION}\n' 2>/dev/null; true`)
	if err != nil {
		return nil, fmt.Errorf("rpm_key: list imported keys: %w", err)
	}
	imported, err := pgpKeysIn(string(res.Stdout))
	if err != nil {
		return Failf("rpm_key: cannot read the keys rpm holds: %v", err), nil
	}
	isImported := rpmKeyImported(imported, keyid)

	if state == "present" {
		if isImported {
			return Result{"changed": false}, nil
		}
		if keyText == "" {
			return Failf("When importing a key, a valid file must be given"), nil
		}
		if fingerprint != "" && fingerprint != keyInfo.Fingerprint {
			return Failf("The specified fingerprint, '%s', does not match the key fingerprint '%s'", fingerprint, keyInfo.Fingerprint), nil
		}
		if !t.Check {
			cmd := `f=$(mktemp) && cat > "$f" && LC_ALL=C rpm --import "$f"; rc=$?; rm -f "$f"; exit $rc`
			res, err := t.ExecStdin(ctx, cmd, keyText)
			if err != nil {
				return nil, fmt.Errorf("rpm_key: import: %w", err)
			}
			if res.ExitCode != 0 {
				return Failf("%s", strings.TrimSpace(string(res.Stderr)+string(res.Stdout))), nil
			}
		}
		return Result{"changed": true}, nil
	}
	if !isImported {
		return Result{"changed": false}, nil
	}
	if !t.Check {
		short := strings.ToLower(keyid[max(0, len(keyid)-8):])
		res, err := t.Exec(ctx, "LC_ALL=C rpm --erase --allmatches "+connection.Quote("gpg-pubkey-"+short))
		if err != nil {
			return nil, fmt.Errorf("rpm_key: erase: %w", err)
		}
		if res.ExitCode != 0 {
			return Failf("%s", strings.TrimSpace(string(res.Stderr)+string(res.Stdout))), nil
		}
	}
	return Result{"changed": true}, nil
}

// rpmKeyFetchCommand fetches url on the host with curl, else wget, else
// the host's python3.
func rpmKeyFetchCommand(url string, insecure bool) string {
	q := connection.Quote(url)
	curl, wget, py := "curl -fsSL -- "+q, "wget -q -O - -- "+q, `import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())`
	if insecure {
		curl = "curl -fsSLk -- " + q
		wget = "wget -q --no-check-certificate -O - -- " + q
		py = `import sys, ssl, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], context=ssl._create_unverified_context()).read())`
	}
	return "if command -v curl >/dev/null 2>&1; then " + curl + "; elif command -v wget >/dev/null 2>&1; then " + wget +
		"; elif command -v python3 >/dev/null 2>&1; then python3 -c " + connection.Quote(py) + " " + q +
		"; else echo 'neither curl, wget nor python3 on the host' >&2; exit 127; fi"
}
