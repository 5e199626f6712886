package connection

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
)

// defaultSudoFlags are Ansible's default become_flags for sudo.
const defaultSudoFlags = "-H -S -n"

// BecomeError reports that a command could not be run as the become user:
// a missing or wrong password, or the become tool refusing. Its message is
// Ansible's ("Missing sudo password", "Incorrect sudo password") or the
// tool's own complaint. It never holds the password.
type BecomeError struct {
	Method string // "sudo" or "su"
	Msg    string
}

func (e *BecomeError) Error() string { return e.Msg }

// becomeCmd is a command line wrapped for become, with what is needed to
// drive it: the success marker printed once the become tool has let the
// command run, and how its password prompt looks.
type becomeCmd struct {
	method   string
	line     string         // for /bin/sh
	marker   string         // printed on stdout by the become shell before cmd
	prompt   string         // sudo's exact prompt on stderr ("" when no password)
	promptRe *regexp.Regexp // su's prompt on the terminal (stdout)
	// errPromptRe is sudo's own prompt on stderr, watched for when we have
	// no password: sudo asking means the password is missing.
	errPromptRe *regexp.Regexp
	password    string
	tty         bool // the command needs a terminal (su with a password)
}

// suPrompt matches su's localized password prompts, as Ansible's su plugin
// does.
var suPrompt = regexp.MustCompile(`(?i)(\w+'s )?(Password|Passwort|Mot de passe|Contraseña|Senha|Wachtwoord|Lösenord|Hasło|Heslo|Jelszó|Lozinka|Parola|Пароль|Парола|密码|密碼|口令|パスワード|암호)( for [^:：]*)? ?(:|：) ?$`)

// sudoPrompt matches sudo's default password prompts.
var sudoPrompt = regexp.MustCompile(`(^|\n)(\[sudo\] password for [^\n:]*|Password|[^\n]*'s password): ?$`)

// randomID returns 32 random lowercase letters.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}

// wrapBecome wraps inner, a command line for /bin/sh, to run as b says.
// The result's line is again a command line for /bin/sh.
func wrapBecome(b *Become, inner string) (*becomeCmd, error) {
	if strings.ContainsAny(b.Password, "\n\r\x00") {
		return nil, &BecomeError{Method: b.Method, Msg: "the become password holds a line break or NUL byte, which cannot be typed at a password prompt"}
	}
	id := randomID()
	bc := &becomeCmd{marker: "BECOME-SUCCESS-" + id, password: b.Password}
	success := "/bin/sh -c " + Quote("echo "+bc.marker+"; "+inner)
	user := b.User
	if user == "" {
		user = "root"
	}
	method := b.Method
	if method == "" {
		method = "sudo"
	}
	bc.method = method
	switch method {
	case "sudo":
		flagStr := b.Flags
		if flagStr == "" {
			flagStr = defaultSudoFlags
		}
		flags, err := splitWords(flagStr)
		if err != nil {
			return nil, fmt.Errorf("become_flags %q: %w", flagStr, err)
		}
		words := []string{"sudo"}
		if b.Password != "" {
			flags = dropNonInteractive(flags)
			bc.prompt = "[sudo via ansible, key=" + id + "] password:"
		} else {
			bc.errPromptRe = sudoPrompt
		}
		words = append(words, flags...)
		if bc.prompt != "" {
			words = append(words, "-p", bc.prompt)
		}
		words = append(words, "-u", user)
		bc.line = QuoteAll(words...) + " " + success
	case "su":
		flags, err := splitWords(b.Flags)
		if err != nil {
			return nil, fmt.Errorf("become_flags %q: %w", b.Flags, err)
		}
		words := append([]string{"su"}, flags...)
		words = append(words, user, "-c", success)
		bc.line = QuoteAll(words...)
		bc.promptRe = suPrompt
		bc.tty = needsTTY(b)
	default:
		return nil, fmt.Errorf("become method %q is not supported (use sudo or su)", method)
	}
	return bc, nil
}

// needsTTY reports whether b's become method must run on a terminal: su
// reads a password only from one.
func needsTTY(b *Become) bool {
	return b != nil && b.Method == "su" && b.Password != ""
}

// dropNonInteractive removes sudo's -n from flags, as Ansible does when it
// has a password to give: -n and --non-interactive go, and an n inside a
// cluster of short flags (-Hn) is taken out.
func dropNonInteractive(flags []string) []string {
	var out []string
	for _, f := range flags {
		if f == "-n" || f == "--non-interactive" {
			continue
		}
		if strings.HasPrefix(f, "-") && !strings.HasPrefix(f, "--") {
			if i := strings.LastIndexByte(f, 'n'); i > 0 && isWordRun(f[1:i]) {
				f = f[:i] + f[i+1:]
			}
		}
		out = append(out, f)
	}
	return out
}

func isWordRun(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// missingPasswordMessages are what sudo says when it wants a password
// under -n.
var missingPasswordMessages = []string{"a password is required", "a terminal is required to read the password"}

// failure works out why a become command never printed its marker.
// prompts is how many times the password prompt was seen.
func (bc *becomeCmd) failure(stdout, stderr []byte, prompts int) *BecomeError {
	e := &BecomeError{Method: bc.method}
	both := string(stderr) + string(stdout)
	switch {
	case prompts > 0 && bc.password == "":
		e.Msg = "Missing " + bc.method + " password"
	case prompts > 1 || prompts > 0 && strings.Contains(both, "ncorrect password") ||
		bc.method == "su" && prompts > 0 && strings.Contains(strings.ToLower(both), "authentication failure"):
		e.Msg = "Incorrect " + bc.method + " password"
	case bc.password == "" && containsAny(both, missingPasswordMessages):
		e.Msg = "Missing " + bc.method + " password"
	default:
		msg := strings.TrimSpace(strings.ReplaceAll(both, bc.prompt, ""))
		if bc.prompt == "" && bc.promptRe != nil {
			msg = strings.TrimSpace(bc.promptRe.ReplaceAllString(msg, ""))
		}
		if msg == "" {
			msg = "the command did not start"
		}
		e.Msg = bc.method + " failed: " + msg
	}
	return e
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}
