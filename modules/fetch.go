package modules

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func init() {
	Register("fetch", Spec{
		Params: map[string]Param{
			"src":               {Type: "str"},
			"dest":              {Type: "str"},
			"flat":              {Type: "bool", Default: false},
			"fail_on_missing":   {Type: "bool", Default: true},
			"validate_checksum": {Type: "bool", Default: true},
		},
		// as in Ansible, fetch is skipped in check mode
		CheckMode: false,
	}, ModuleFunc(runFetch))
}

// fetchDest is where fetch puts src from host on the controller: dest
// itself (flat, or dest/basename when dest ends in /), else
// dest/HOST/src. It refuses a src that would climb out of dest.
func fetchDest(dest, host, src string, flat bool) (string, error) {
	if strings.HasPrefix(dest, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			dest = filepath.Join(home, dest[2:])
		}
	}
	if flat {
		if fi, err := os.Stat(dest); err == nil && fi.IsDir() && !strings.HasSuffix(dest, "/") {
			return "", fmt.Errorf("dest is an existing directory, use a trailing slash if you want to fetch src into that directory")
		}
		if strings.HasSuffix(dest, "/") {
			dest = filepath.Join(dest, filepath.Base(src))
		}
		return filepath.Clean(dest), nil
	}
	root := filepath.Clean(filepath.Join(dest, host))
	out := filepath.Clean(dest + "/" + host + "/" + src)
	if out != root && !strings.HasPrefix(out, root+string(filepath.Separator)) || host == "" || strings.Contains(host, "/") {
		return "", fmt.Errorf("Detected directory traversal, expected to be contained in '%s' but got '%s'", dest, out)
	}
	return out, nil
}

// runFetch copies a file from the host to the controller.
func runFetch(ctx context.Context, t *Task) (Result, error) {
	if t.Check {
		return Result{"skipped": true, "changed": false, "msg": "check mode not (yet) supported for this module"}, nil
	}
	src, okSrc := fileArgs(t.Args).str("src")
	dest, okDest := fileArgs(t.Args).str("dest")
	if !okSrc || !okDest || src == "" || dest == "" {
		return Failf("src and dest are required"), nil
	}
	failOnMissing := fileArgs(t.Args).boolean("fail_on_missing", true)
	f, err := fsStat(ctx, t, src)
	if err != nil {
		return nil, err
	}
	switch {
	case !f.Exists || f.Type == "link" && f.TargetType == "":
		const msg = "the remote file does not exist, not transferring, ignored"
		if failOnMissing {
			return Result{"failed": true, "changed": false, "msg": msg}, nil
		}
		return Result{"changed": false, "file": src, "msg": msg}, nil
	case f.IsDir():
		const msg = "remote file is a directory, fetch cannot work on directories"
		if failOnMissing {
			return Result{"failed": true, "changed": false, "msg": msg}, nil
		}
		return Result{"msg": msg + ", not transferring, ignored"}, nil
	}
	data, err := fsRead(ctx, t, src)
	if err != nil {
		if failOnMissing {
			return Result{"failed": true, "changed": false, "msg": fmt.Sprintf("file is not readable: %s", src)}, nil
		}
		return Result{"changed": false, "file": src, "msg": fmt.Sprintf("file is not readable: %s, not transferring, ignored", src)}, nil
	}
	remoteSum := fsSHA1(data)
	local, err := fetchDest(dest, t.Host, src, fileArgs(t.Args).boolean("flat", false))
	if err != nil {
		return Failf("%v", err), nil
	}
	localSum := ""
	if b, err := os.ReadFile(local); err == nil {
		localSum = fsSHA1(b)
	}
	if localSum == remoteSum {
		return Result{"changed": false, "md5sum": fsMD5(data), "file": src, "dest": local, "checksum": localSum}, nil
	}
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		return Failf("Failed to fetch the file: %v", err), nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(local), ".omeprov-fetch-")
	if err != nil {
		return Failf("Failed to fetch the file: %v", err), nil
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), local)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return Failf("Failed to fetch the file: %v", werr), nil
	}
	written, err := os.ReadFile(local)
	if err != nil {
		return Failf("Failed to fetch the file: %v", err), nil
	}
	newSum := fsSHA1(written)
	if fileArgs(t.Args).boolean("validate_checksum", true) && newSum != remoteSum {
		return Result{"failed": true, "md5sum": fsMD5(written), "msg": "checksum mismatch", "file": src, "dest": local,
			"remote_md5sum": nil, "checksum": newSum, "remote_checksum": remoteSum}, nil
	}
	return Result{"changed": true, "md5sum": fsMD5(written), "dest": local, "remote_md5sum": nil,
		"checksum": newSum, "remote_checksum": remoteSum}, nil
}
