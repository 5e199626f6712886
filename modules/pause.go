package modules

import (
	"context"
	"fmt"
	"math"
	"time"
)

func init() {
	Register("pause", Spec{
		Params: map[string]Param{
			"echo": {Type: "bool", Default: true},
			// Ansible reads these with Python's int(), which also
			// truncates floats; pauseSeconds does the same.
			"minutes": {Type: "raw"},
			"seconds": {Type: "raw"},
			"prompt":  {Type: "str"},
		},
		MutuallyExclusive: [][]string{{"minutes", "seconds"}},
		CheckMode:         true,
	}, ModuleFunc(func(ctx context.Context, t *Task) (Result, error) {
		return pause(ctx, t.Args, sleepContext)
	}))
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pauseSeconds reads minutes or seconds as the pause action does: the
// wait in seconds (at least 1), the unit shown in the result, and whether
// there is a wait at all.
func pauseSeconds(args map[string]any) (secs int, unit string, timed bool, err error) {
	unit = "minutes"
	for _, k := range []string{"minutes", "seconds"} {
		v, ok := args[k]
		if !ok || v == nil {
			continue
		}
		n, err := pyIntCall(v)
		if err != nil {
			return 0, "", false, fmt.Errorf("argument '%s' is of type %s and we were unable to convert to int: %w", k, pyType(v), err)
		}
		if k == "minutes" {
			secs = n * 60
		} else {
			secs, unit = n, "seconds"
		}
		timed = true
		break
	}
	if timed && secs < 1 {
		secs = 1
	}
	return secs, unit, timed, nil
}

// pause is the pause action without a terminal: a timed pause waits, a
// prompt without a timeout returns at once with Ansible's warning, as
// ansible-playbook does when stdin is not interactive.
func pause(ctx context.Context, args map[string]any, sleep func(context.Context, time.Duration) error) (Result, error) {
	secs, unit, timed, err := pauseSeconds(args)
	if err != nil {
		return Result{"failed": true, "changed": false, "msg": err.Error()}, nil
	}
	echo := true
	if b, ok := args["echo"].(bool); ok {
		echo = b
	}
	start := time.Now()
	r := Result{"changed": false, "rc": 0, "stderr": "", "stdout": "", "echo": echo,
		"start": pyTime(start), "user_input": ""}
	if timed {
		if err := sleep(ctx, time.Duration(secs)*time.Second); err != nil {
			return nil, fmt.Errorf("pause: %w", err)
		}
	} else {
		r["warnings"] = []string{"Not waiting for response to prompt as stdin is not interactive"}
	}
	stop := time.Now()
	d := stop.Sub(start).Seconds()
	r["stop"] = pyTime(stop)
	r["delta"] = int(d)
	if unit == "minutes" {
		d /= 60
	}
	r["stdout"] = fmt.Sprintf("Paused for %s %s", pyFloat(math.Round(d*100)/100), unit)
	return r, nil
}
