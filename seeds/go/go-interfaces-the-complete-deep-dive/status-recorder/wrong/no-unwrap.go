package exercise

import "net/http"

// StatusRecorder wraps a ResponseWriter and records the status and body size sent.
type StatusRecorder struct {
	http.ResponseWriter
	Status int
	Bytes  int
}

// WriteHeader records the first status and forwards it.
func (r *StatusRecorder) WriteHeader(code int) {
	if r.Status == 0 { // only the first status is sent; net/http ignores later ones
		r.Status = code
	}
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
