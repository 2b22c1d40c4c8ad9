package live

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// NewDynamoClient returns a DynamoDB client for endpoint ("" for AWS itself, else a URL
// such as http://127.0.0.1:8000 set as BaseEndpoint) in region. Retries are off and a
// loopback endpoint gets dummy credentials (see awsConfig).
func NewDynamoClient(ctx context.Context, endpoint, region string) (*dynamodb.Client, error) {
	cfg, err := awsConfig(ctx, endpoint, region)
	if err != nil {
		return nil, fmt.Errorf("new dynamodb client: %w", err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint = baseEndpoint(endpoint)
	}), nil
}

// Attribute names of the state table's items.
const (
	dynKey      = "pk"      // S, the table's hash key: "quota#<name>" or "breaker"
	dynUsed     = "used"    // N, a quota counter
	dynLimit    = "lim"     // N, its limit (informative)
	dynExpires  = "expires" // N, Unix seconds: the TTL attribute
	dynOpen     = "open"    // BOOL
	dynSince    = "since"   // S, RFC 3339 with nanoseconds
	dynFailures = "failures"
	dynVersion  = "version"
	dynBreaker  = "breaker"
)

// dynamoStore is StateStore over a DynamoDB table.
type dynamoStore struct {
	client        *dynamodb.Client
	table         string
	reads, writes atomic.Int64
}

// NewDynamoStore returns the StateStore kept in DynamoDB table table, creating it if it is
// missing (on-demand capacity, a string hash key "pk", TTL on "expires" where the endpoint
// supports it; dynalite does not) and waiting until it is active. An existing table must
// have that key.
//
// Items: "quota#<name>" holds a counter ("used", a number) and "breaker" the breaker
// record. Every read is strongly consistent. TakeQuota makes one conditional update per key
// (ADD used :n if used <= Limit-n), in the order given; when one is refused it undoes the
// updates already made (ADD used -n) and reports false. DynamoDB transactions would make
// this atomic but emulators such as dynalite lack them, so a window remains: between an
// update and its undo, a concurrent TakeQuota can see the counter higher than it will end,
// and be refused though its own units would have fitted. No counter ever exceeds its
// limit; a take may be refused spuriously under contention. An undo that fails (the
// endpoint gone) leaves the counter too high, and TakeQuota returns the error.
func NewDynamoStore(ctx context.Context, client *dynamodb.Client, table string) (StateStore, error) {
	s := &dynamoStore{client: client, table: table}
	if err := s.ensureTable(ctx); err != nil {
		return nil, fmt.Errorf("dynamodb state table %q: %w", table, err)
	}
	return s, nil
}

// ensureTable creates the table if it is missing and waits for it to be active.
func (s *dynamoStore) ensureTable(ctx context.Context) error {
	out, err := s.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	var missing *types.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		return s.createTable(ctx)
	case err != nil:
		return fmt.Errorf("describe: %w", err)
	}
	ks := out.Table.KeySchema
	if len(ks) != 1 || aws.ToString(ks[0].AttributeName) != dynKey {
		return fmt.Errorf("want a single hash key %q", dynKey)
	}
	return s.waitActive(ctx)
}

func (s *dynamoStore) createTable(ctx context.Context) error {
	_, err := s.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(s.table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(dynKey), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(dynKey), KeyType: types.KeyTypeHash}},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) { // in use: someone else is creating it
		return fmt.Errorf("create: %w", err)
	}
	if err := s.waitActive(ctx); err != nil {
		return err
	}
	_, err = s.client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(s.table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(dynExpires), Enabled: aws.Bool(true)},
	})
	if err != nil && apiErrorCode(err) != "UnknownOperationException" {
		return fmt.Errorf("enable ttl: %w", err)
	}
	return nil
}

// waitActive polls the table's status until it is ACTIVE, for at most 2 minutes.
func (s *dynamoStore) waitActive(ctx context.Context) error {
	w := dynamodb.NewTableExistsWaiter(s.client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}, 2*time.Minute); err != nil {
		return fmt.Errorf("wait until active: %w", err)
	}
	return nil
}

// TakeQuota adds n to every key's counter with conditional updates, undoing them when
// one is refused (see NewDynamoStore for the window this leaves).
func (s *dynamoStore) TakeQuota(ctx context.Context, keys []QuotaKey, n int64) (bool, error) {
	if n < 0 {
		return false, fmt.Errorf("take quota: n %d is negative", n)
	}
	for i, k := range keys {
		ok := n <= k.Limit
		if ok {
			var err error
			if ok, err = s.add(ctx, k, n); err != nil {
				return false, s.undo(ctx, keys[:i], n, err)
			}
		}
		if !ok {
			return false, s.undo(ctx, keys[:i], n, nil)
		}
	}
	return true, nil
}

// add adds n to k's counter if it stays within k.Limit, and reports whether it did.
func (s *dynamoStore) add(ctx context.Context, k QuotaKey, n int64) (bool, error) {
	s.writes.Add(1)
	_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      quotaKey(k.Name),
		UpdateExpression:         aws.String("ADD #u :n SET #l = :lim, #e = :exp"),
		ConditionExpression:      aws.String("attribute_not_exists(#u) OR #u <= :max"),
		ExpressionAttributeNames: map[string]string{"#u": dynUsed, "#l": dynLimit, "#e": dynExpires},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": number(n), ":lim": number(k.Limit), ":max": number(k.Limit - n), ":exp": number(k.Expires.Unix()),
		},
	})
	var refused *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &refused):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("take quota %q: %w", k.Name, err)
	}
	return true, nil
}

// undo takes n back from the counters of keys, after a refusal or the error cause, and
// returns the error to report: cause, or the first undo that failed.
func (s *dynamoStore) undo(ctx context.Context, keys []QuotaKey, n int64, cause error) error {
	for _, k := range keys {
		s.writes.Add(1)
		_, err := s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName:                 aws.String(s.table),
			Key:                       quotaKey(k.Name),
			UpdateExpression:          aws.String("ADD #u :neg"),
			ExpressionAttributeNames:  map[string]string{"#u": dynUsed},
			ExpressionAttributeValues: map[string]types.AttributeValue{":neg": number(-n)},
		})
		if err != nil && cause == nil {
			cause = fmt.Errorf("undo quota %q: %w", k.Name, err)
		}
	}
	return cause
}

// QuotaUsed reads a key's counter.
func (s *dynamoStore) QuotaUsed(ctx context.Context, key string) (int64, error) {
	item, err := s.get(ctx, quotaKey(key))
	if err != nil {
		return 0, fmt.Errorf("quota used %q: %w", key, err)
	}
	used, err := numberAttr(item, dynUsed)
	if err != nil {
		return 0, fmt.Errorf("quota used %q: %w", key, err)
	}
	return used, nil
}

// get reads an item with a strongly consistent read; nil when there is none.
func (s *dynamoStore) get(ctx context.Context, key map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	s.reads.Add(1)
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return out.Item, nil
}

// GetBreaker reads the breaker's record: the zero record when none was written.
func (s *dynamoStore) GetBreaker(ctx context.Context) (BreakerRecord, error) {
	item, err := s.get(ctx, breakerKey())
	if err != nil {
		return BreakerRecord{}, fmt.Errorf("get breaker: %w", err)
	}
	rec, err := breakerRecord(item)
	if err != nil {
		return BreakerRecord{}, fmt.Errorf("get breaker: %w", err)
	}
	return rec, nil
}

// PutBreaker writes rec with Version+1 if the stored version is rec.Version (a missing
// item being version 0).
func (s *dynamoStore) PutBreaker(ctx context.Context, rec BreakerRecord) (bool, error) {
	cond := "#v = :v"
	if rec.Version == 0 {
		cond = "attribute_not_exists(#v) OR #v = :v"
	}
	item := breakerKey()
	item[dynOpen] = &types.AttributeValueMemberBOOL{Value: rec.Open}
	item[dynSince] = &types.AttributeValueMemberS{Value: rec.Since.UTC().Format(time.RFC3339Nano)}
	item[dynFailures] = number(int64(rec.Failures))
	item[dynVersion] = number(rec.Version + 1)
	s.writes.Add(1)
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: aws.String(cond),
		ExpressionAttributeNames:  map[string]string{"#v": dynVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": number(rec.Version)},
	})
	var refused *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &refused):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("put breaker: %w", err)
	}
	return true, nil
}

// Calls returns the requests made (table management aside).
func (s *dynamoStore) Calls() StoreCalls {
	return StoreCalls{Reads: s.reads.Load(), Writes: s.writes.Load()}
}

// breakerRecord decodes the breaker item (nil: the zero record).
func breakerRecord(item map[string]types.AttributeValue) (BreakerRecord, error) {
	var rec BreakerRecord
	if item == nil {
		return rec, nil
	}
	if b, ok := item[dynOpen].(*types.AttributeValueMemberBOOL); ok {
		rec.Open = b.Value
	}
	if s, ok := item[dynSince].(*types.AttributeValueMemberS); ok {
		t, err := time.Parse(time.RFC3339Nano, s.Value)
		if err != nil {
			return rec, fmt.Errorf("attribute %s: %w", dynSince, err)
		}
		rec.Since = t
	}
	failures, err := numberAttr(item, dynFailures)
	if err != nil {
		return rec, err
	}
	rec.Failures = int(failures)
	rec.Version, err = numberAttr(item, dynVersion)
	return rec, err
}

// numberAttr returns item's number attribute name: 0 when absent.
func numberAttr(item map[string]types.AttributeValue, name string) (int64, error) {
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, nil
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %s: %w", name, err)
	}
	return v, nil
}

func number(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func quotaKey(name string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{dynKey: &types.AttributeValueMemberS{Value: "quota#" + name}}
}

func breakerKey() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{dynKey: &types.AttributeValueMemberS{Value: dynBreaker}}
}
