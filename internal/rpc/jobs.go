package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/custos-id/custos/errcode"
	"github.com/custos-id/custos/internal/job"
)

// RegisterJobs adds the methods of jobs, custos's own (docs/rpc.md): an
// import or an export that runs in the background, and the status call
// that answers 100001 "Data pending" until it is done.
func RegisterJobs(h *Handler, jobs *job.Runner) {
	x := jobMethods{jobs}
	h.Register("accounts.importJob", Method{Auth: Server, Run: x.importJob, Params: []string{"accounts"}})
	h.Register("accounts.exportJob", Method{Auth: Server, Run: x.exportJob})
	h.Register("accounts.getJobStatus", Method{Auth: Server, Run: x.getJobStatus, Params: []string{"jobId", "cursorId"}})
}

type jobMethods struct{ jobs *job.Runner }

// Explain gives the catalog code and message of an error, as the RPC
// dialect words it (the failed lines of an import job).
func Explain(err error) (errcode.Code, string) {
	e := errcode.From(errorTable.Render(err))
	msg := e.Description()
	for _, f := range e.Fields {
		if !strings.Contains(msg, f.FullMessage()) {
			msg += "; " + f.FullMessage()
		}
	}
	return e.Code, msg
}

func (x jobMethods) importJob(ctx context.Context, c *Call) (any, error) {
	lines, err := c.Params.Required("accounts")
	if err != nil {
		return nil, err
	}
	j, err := x.jobs.Submit(ctx, c.Site.ID, job.Import, []byte(lines))
	if errors.Is(err, job.ErrTooLarge) {
		return nil, errcode.New(errcode.RequestEntityTooLarge, "accounts is larger than 64 MiB")
	}
	if err != nil {
		return nil, err
	}
	return obj{"jobId": j.ID}, nil
}

func (x jobMethods) exportJob(ctx context.Context, c *Call) (any, error) {
	j, err := x.jobs.Submit(ctx, c.Site.ID, job.Export, nil)
	if err != nil {
		return nil, err
	}
	return obj{"jobId": j.ID}, nil
}

// getJobStatus answers 100001 with the job's progress until it is done,
// then its result: an import's summary, an export's summary with a part of
// its JSON lines (cursorId the part, nextCursorId the next one).
func (x jobMethods) getJobStatus(ctx context.Context, c *Call) (any, error) {
	id, err := c.Params.Required("jobId")
	if err != nil {
		return nil, err
	}
	part := 0
	if v := c.Params.Get("cursorId"); v != "" {
		if part, err = strconv.Atoi(v); err != nil || part < 0 {
			return nil, errcode.InvalidFormat("cursorId", "not a cursorId of this job")
		}
	}
	j, err := x.jobs.Job(ctx, c.Site.ID, id)
	if errors.Is(err, job.ErrNotFound) {
		return nil, errcode.New(errcode.InvalidParameterValue, "Invalid parameter value: jobId: no such job")
	}
	if err != nil {
		return nil, err
	}
	out := obj{"jobId": j.ID, "kind": j.Kind, "state": j.State, "progress": j.Progress}
	switch j.State {
	case job.Queued, job.Running:
		return out, errcode.New(errcode.DataPending, "Data pending: the job is "+string(j.State)+"; query again")
	case job.Failed:
		var f struct{ ErrorCode errcode.Code }
		json.Unmarshal(j.Result, &f)
		if _, ok := errcode.Lookup(f.ErrorCode); !ok {
			f.ErrorCode = errcode.GeneralServerError
		}
		return out, errcode.New(f.ErrorCode, j.Error)
	}
	var result map[string]any
	if err := json.Unmarshal(j.Result, &result); err != nil {
		return nil, err
	}
	for k, v := range result {
		out[k] = v
	}
	if j.Kind == job.Export {
		data, err := x.jobs.Output(ctx, j.ID, part, 1)
		if err != nil {
			return nil, err
		}
		out["data"] = ""
		if len(data) > 0 {
			out["data"] = string(data[0])
		}
		if parts, _ := result["parts"].(float64); part+1 < int(parts) {
			out["nextCursorId"] = strconv.Itoa(part + 1)
		}
	}
	return out, nil
}
