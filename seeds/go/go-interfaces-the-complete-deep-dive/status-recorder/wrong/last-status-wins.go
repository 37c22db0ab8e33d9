package exercise

import "net/http"

// StatusRecorder wraps a ResponseWriter and records the status and body size sent.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
	Bytes  int
}

// WriteHeader records every call: the last one wins, though only the first is sent.
func (r *StatusRecorder) WriteHeader(code int) {
	r.Status = code
	r.ResponseWriter.WriteHeader(code)
}

// Write forwards p and counts it; the first Write implies 200.
func (r *StatusRecorder) Write(p []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.Bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach Flush, Hijack and friends of the wrapped writer.
func (r *StatusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// WithAccessLog reports method, path, status and bytes of every request.
func WithAccessLog(next http.Handler, log func(method, path string, status, bytes int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rec := &StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, req)
		status := rec.Status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		log(req.Method, req.URL.Path, status, rec.Bytes)
	})
}
