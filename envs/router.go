package envs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

// A live run reaches SQS and DynamoDB through one endpoint, as LocalStack serves both. fauxqs
// and dynalite are two servers, so the containers environment puts an AWS router in front of
// them: a reverse proxy on 127.0.0.1 that sends DynamoDB calls (X-Amz-Target
// "DynamoDB_20120810.…") to dynalite and every other request (SQS) to fauxqs. It keeps the
// request's Host header, which the SDK signed and fauxqs builds queue URLs from.

// dynamoTargetPrefix starts the X-Amz-Target header of every DynamoDB call.
const dynamoTargetPrefix = "DynamoDB_"

// StartAWSRouter serves, on a free 127.0.0.1 port, one endpoint that forwards DynamoDB calls to
// dynamoEndpoint and everything else to sqsEndpoint. It returns the endpoint's URL; stop
// closes it.
func StartAWSRouter(sqsEndpoint, dynamoEndpoint string) (endpoint string, stop func() error, err error) {
	sqsURL, err := url.Parse(sqsEndpoint)
	if err != nil {
		return "", nil, fmt.Errorf("start aws router: sqs endpoint: %w", err)
	}
	dynamoURL, err := url.Parse(dynamoEndpoint)
	if err != nil {
		return "", nil, fmt.Errorf("start aws router: dynamodb endpoint: %w", err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			if strings.HasPrefix(r.In.Header.Get("X-Amz-Target"), dynamoTargetPrefix) {
				r.SetURL(dynamoURL)
			} else {
				r.SetURL(sqsURL)
			}
			r.Out.Host = r.In.Host
		},
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
		},
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("start aws router: %w", err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	stop = func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = srv.Close()
		}
		if serr := <-done; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		if err != nil {
			return fmt.Errorf("stop aws router: %w", err)
		}
		return nil
	}
	return "http://" + l.Addr().String(), stop, nil
}
