// Synthesizes the construct offline with placeholder zips (no Rust build) and checks the
// resources it promises. Run: npm test
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BINARIES, SageScale, SageScaleProps, defaultManifestPath } from '../lib';

function placeholderZips(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sagescale-cdk-test-'));
  for (const bin of BINARIES) {
    fs.mkdirSync(path.join(dir, bin));
    fs.writeFileSync(path.join(dir, bin, 'bootstrap.zip'), `placeholder for ${bin}`);
  }
  return dir;
}

const prebuilt = placeholderZips();

function synth(props: Partial<SageScaleProps> = {}, withTopic = false): Template {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const alarmTopic = withTopic ? new sns.Topic(stack, 'Alarms') : undefined;
  new SageScale(stack, 'SageScale', {
    endpointNamePrefix: 'prod-llm',
    alarmNamePrefix: 'scale-',
    prebuiltAssetDir: prebuilt,
    alarmTopic,
    ...props,
  });
  return Template.fromStack(stack);
}

const template = synth({ memorySize: 512, logRetention: logs.RetentionDays.TWO_WEEKS });

test('state table: pk/sk strings, on demand, TTL on expires_at, PITR, retained', () => {
  template.resourceCountIs('AWS::DynamoDB::Table', 1);
  template.hasResource('AWS::DynamoDB::Table', {
    DeletionPolicy: 'Retain',
    Properties: {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: Match.absent(),
    },
  });
});

test('two arm64 provided.al2023 functions with the handler environment', () => {
  const fns = template.findResources('AWS::Lambda::Function');
  assert.equal(Object.keys(fns).length, 2);
  for (const fn of Object.values(fns)) {
    const p = fn.Properties;
    assert.equal(p.Runtime, 'provided.al2023');
    assert.deepEqual(p.Architectures, ['arm64']);
    assert.equal(p.Handler, 'bootstrap');
    assert.equal(p.MemorySize, 512);
    assert.equal(p.ReservedConcurrentExecutions, 10);
    assert.deepEqual(Object.keys(p.Environment.Variables).sort(), [
      'RUST_LOG',
      'SAGESCALE_ALLOWED_ALARM_PREFIX',
      'SAGESCALE_TABLE',
    ]);
    assert.equal(p.Environment.Variables.SAGESCALE_ALLOWED_ALARM_PREFIX, 'scale-');
    assert.ok(p.LoggingConfig.LogGroup, 'function logs to its own log group');
  }
  template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
});

test('alarm state changes of prefixed alarms reach alarm-scaler through EventBridge', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      account: ['123456789012'],
      detail: { alarmName: [{ prefix: 'scale-' }] },
    },
    Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
  });
});

test('direct alarm actions are allowed only for this account and prefix', () => {
  template.hasResourceProperties('AWS::Lambda::Permission', {
    Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
    SourceAccount: '123456789012',
    SourceArn: {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:123456789012:alarm:scale-*']],
    },
  });
});

test('one-minute tick and failure destinations for asynchronous invocations', () => {
  template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)' });
  const configs = template.findResources('AWS::Lambda::EventInvokeConfig');
  assert.equal(Object.keys(configs).length, 2);
  for (const c of Object.values(configs)) {
    assert.ok(c.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0].includes('DeadLetterQueue'));
  }
});

test('IAM: SageMaker updates scoped to the endpoint prefix, only read-only actions without resource-level permissions on *', () => {
  const policies = template.findResources('AWS::IAM::Policy');
  const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
  const sagemaker = statements.filter(
    (s) => JSON.stringify(s.Action).includes('sagemaker:') && s.Action !== 'sagemaker:ListEndpoints',
  );
  assert.equal(sagemaker.length, 2);
  for (const s of sagemaker) {
    assert.match(JSON.stringify(s.Resource), /:endpoint\/prod-llm\*/);
  }
  // GetMetricData and ListEndpoints have no resource-level permissions; DescribeAlarms returns
  // composite alarms only to '*'. All three only read.
  const onStar = statements.filter((s) => s.Resource === '*').map((s) => s.Action);
  for (const a of onStar) {
    assert.ok(['cloudwatch:GetMetricData', 'cloudwatch:DescribeAlarms', 'sagemaker:ListEndpoints'].includes(a), a);
  }
  assert.equal(onStar.filter((a) => a === 'sagemaker:ListEndpoints').length, 1, 'schedule-scaler only');
  const actions = statements.flatMap((s) => [].concat(s.Action));
  assert.ok(!actions.some((a: string) => a.endsWith(':*') || a === 'cloudwatch:PutMetricData'));
  // No managed policies (AWSLambdaBasicExecutionRole grants logs on every group).
  for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
    assert.equal(role.Properties.ManagedPolicyArns, undefined);
  }
});

test('EventBridge Scheduler can assume a role that invokes schedule-scaler', () => {
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [
        Match.objectLike({
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        }),
      ],
    },
  });
});

test('an alarm topic subscribes alarm-scaler', () => {
  const t = synth({}, true);
  t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
  t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'sns.amazonaws.com' });
});

test('alarmEventRule false disables the alarm rule but keeps the alarm-action permission', () => {
  const t = synth({ alarmEventRule: false });
  t.hasResourceProperties('AWS::Events::Rule', {
    EventPattern: Match.objectLike({ source: ['aws.cloudwatch'] }),
    State: 'DISABLED',
  });
  t.hasResourceProperties('AWS::Lambda::Permission', { Principal: 'lambda.alarms.cloudwatch.amazonaws.com' });
});

test('reservedConcurrency false reserves nothing', () => {
  const t = synth({ reservedConcurrency: false });
  t.allResourcesProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
});

test('rejects prefixes that would widen the IAM scope', () => {
  assert.throws(() => synth({ endpointNamePrefix: 'prod*' }), /endpointNamePrefix/);
  assert.throws(() => synth({ endpointNamePrefix: 'Prod' }), /endpointNamePrefix/);
  assert.throws(() => synth({ alarmNamePrefix: 'a*' }), /alarmNamePrefix/);
});

test('a missing prebuilt zip names the make target', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'sagescale-cdk-empty-'));
  assert.throws(() => synth({ prebuiltAssetDir: empty }), /make build/);
});

test('the default manifest is the repository workspace', () => {
  const manifest = fs.readFileSync(defaultManifestPath(), 'utf8');
  assert.match(manifest, /functions\/alarm-scaler/);
});

/** The dashboard body with every token (function names, region, queue) replaced by `<ref>`. */
function dashboardBody(t: Template): { widgets: { type: string; properties: Record<string, any> }[] } {
  const dashboards = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
  assert.equal(dashboards.length, 1);
  const body = dashboards[0].Properties.DashboardBody;
  const text = typeof body === 'string' ? body : body['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : '<ref>')).join('');
  return JSON.parse(text);
}

test('dashboard: decisions by outcome, capacity, function health and dead letters', () => {
  template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Test' });
  const widgets = dashboardBody(template).widgets;
  const titles = widgets.map((w) => w.properties.title);
  assert.deepEqual(titles, [
    'Decisions by outcome (all targets, per minute)',
    'Desired and previous capacity (per target and outcome)',
    'Function errors and throttles',
    'Function duration (ms; schedule-scaler timeout 60 s)',
    'Dead-letter queue depth',
  ]);
  const metrics = (i: number) => JSON.stringify(widgets[i].properties.metrics);
  // One line per Outcome, summed over every ResourceId: no target is named in the body.
  for (const outcome of ['Unchanged', 'StateRecorded', 'NotScaled', 'Scaled', 'DryRun', 'Deferred', 'Unfulfilled', 'Failed']) {
    const expression = `SUM(SEARCH('{sagescale,ResourceId,Outcome} MetricName="Decisions" Outcome="${outcome}"', 'Sum', 60))`;
    assert.ok(metrics(0).includes(JSON.stringify(expression)), `no line for ${outcome}`);
  }
  assert.match(metrics(1), /MetricName=\\"DesiredCapacity\\"/);
  assert.match(metrics(1), /MetricName=\\"PreviousCapacity\\"/);
  assert.match(metrics(2), /"AWS\/Lambda","Errors"/);
  assert.match(metrics(2), /"AWS\/Lambda","Throttles"/);
  assert.match(metrics(3), /"AWS\/Lambda","Duration"/);
  assert.match(metrics(4), /"AWS\/SQS","ApproximateNumberOfMessagesVisible"/);
  for (const w of widgets) {
    assert.equal(w.type, 'metric');
    assert.equal(w.properties.period, 60);
  }
});

test('dashboard false creates none; dashboardName names it', () => {
  synth({ dashboard: false }).resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  synth({ dashboardName: 'ops-scaling' }).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'ops-scaling' });
});
