import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { BundlingOptions, RustFunction } from 'cargo-lambda-cdk';
import { Construct } from 'constructs';

/** The two Lambda binaries of the sagescale Cargo workspace. */
export const BINARIES = ['alarm-scaler', 'schedule-scaler'] as const;
export type Binary = (typeof BINARIES)[number];

export interface SageScaleProps {
  /**
   * The functions may describe and update only SageMaker endpoints whose name starts with
   * this prefix. SageMaker lower-cases endpoint names in ARNs, so the prefix must be lower case.
   */
  readonly endpointNamePrefix: string;

  /**
   * Only CloudWatch alarms whose name starts with this prefix reach alarm-scaler (EventBridge
   * rule, direct alarm action), may be described, and are accepted by the handler.
   * @default 'sagescale-'
   */
  readonly alarmNamePrefix?: string;

  /** Memory of each function in MB. @default 256 */
  readonly memorySize?: number;

  /** Retention of the functions' log groups. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Reserved concurrency of each function, or `false` to reserve none (accounts whose
   * concurrency quota is still the new-account default cannot reserve any).
   * @default 10
   */
  readonly reservedConcurrency?: number | false;

  /** An existing SNS topic your alarms notify; alarm-scaler is subscribed to it. @default none */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Route prefixed alarms' state changes to alarm-scaler with an EventBridge rule. Set to
   * false when the alarms invoke alarm-scaler through alarm actions instead (each route
   * delivers its own copy of a state change).
   * @default true
   */
  readonly alarmEventRule?: boolean;

  /** RUST_LOG of both functions. @default 'info' */
  readonly logLevel?: string;

  /**
   * Path of the Cargo workspace manifest that holds the two function crates.
   * @default the sagescale repository's Cargo.toml, found relative to this package
   */
  readonly manifestPath?: string;

  /**
   * Use zips already built by `cargo lambda build --release --arm64 --output-format zip`
   * (`make build`) instead of building at synth time: a directory that holds
   * `alarm-scaler/bootstrap.zip` and `schedule-scaler/bootstrap.zip`, that is cargo-lambda's
   * `target/lambda` directory.
   * @default build with cargo-lambda while synthesizing (RustFunction bundling)
   */
  readonly prebuiltAssetDir?: string;

  /** Extra cargo-lambda bundling options (ignored with `prebuiltAssetDir`). */
  readonly bundling?: BundlingOptions;

  /**
   * Create a CloudWatch dashboard: decisions by outcome, desired and previous capacity,
   * the functions' errors, throttles and duration, and the dead-letter queue depth.
   * @default true
   */
  readonly dashboard?: boolean;

  /** Name of the dashboard. @default the stack name */
  readonly dashboardName?: string;
}

/** The Outcome dimension values of the decision EMF line (shared/aws/src/emf.rs). */
export const OUTCOMES = [
  'Unchanged',
  'StateRecorded',
  'NotScaled',
  'Scaled',
  'DryRun',
  'Deferred',
  'Unfulfilled',
  'Failed',
] as const;

/** EMF namespace and dimension set of the decision line (shared/aws/src/emf.rs). */
const EMF_SCHEMA = '{sagescale,ResourceId,Outcome}';

const DEFAULT_ALARM_PREFIX = 'sagescale-';
const ENDPOINT_PREFIX = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ALARM_PREFIX = /^[^*?\s][^*?]{0,199}$/;

/** One checkov suppression, recorded in the resource's Metadata next to its reason. */
interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

function skipCheckov(construct: Construct, skips: CheckovSkip[]): void {
  (construct.node.defaultChild as CfnResource).addMetadata('checkov', { skip: skips });
}

const FUNCTION_SKIPS: CheckovSkip[] = [
  {
    id: 'CKV_AWS_116',
    comment:
      'Failed asynchronous invocations go to the SQS queue through the on-failure destination ' +
      '(EventInvokeConfig), which supersedes DeadLetterConfig and records the error too; both would deliver every failure twice.',
  },
  {
    id: 'CKV_AWS_117',
    comment:
      'Calls only public AWS APIs (SageMaker, DynamoDB, CloudWatch); a VPC would need NAT or interface endpoints and add no isolation.',
  },
  {
    id: 'CKV_AWS_173',
    comment: 'The environment holds only the table name, alarm-name prefix and log level, none secret; Lambda encrypts it at rest anyway.',
  },
];

/**
 * sagescale: event-driven autoscaling for SageMaker endpoints. The same resources as
 * infra/template.yaml: the DynamoDB state table, alarm-scaler (EventBridge alarm rule, direct
 * alarm actions, optional SNS topic), schedule-scaler (one-minute pass, EventBridge Scheduler
 * role), an SQS dead-letter queue for failed asynchronous invocations, and least-privilege IAM.
 */
export class SageScale extends Construct {
  public readonly table: dynamodb.Table;
  public readonly alarmScaler: lambda.Function;
  public readonly scheduleScaler: lambda.Function;
  /** Role for EventBridge Scheduler schedules that target schedule-scaler. */
  public readonly schedulerRole: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly alarmNamePrefix: string;
  /** The deployment's dashboard, unless `dashboard: false`. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SageScaleProps) {
    super(scope, id);
    const alarmNamePrefix = props.alarmNamePrefix ?? DEFAULT_ALARM_PREFIX;
    if (!ENDPOINT_PREFIX.test(props.endpointNamePrefix)) {
      throw new Error(
        `endpointNamePrefix '${props.endpointNamePrefix}': lower-case letters, digits and hyphens, starting with a letter or digit`,
      );
    }
    if (!ALARM_PREFIX.test(alarmNamePrefix)) {
      throw new Error(`alarmNamePrefix '${alarmNamePrefix}': 1-200 characters, no wildcards (* ?)`);
    }
    const memorySize = props.memorySize ?? 256;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240) {
      throw new Error(`memorySize ${memorySize}: an integer from 128 to 10240`);
    }
    this.alarmNamePrefix = alarmNamePrefix;

    const stack = Stack.of(this);
    const arn = (service: string, resource: string) =>
      `arn:${stack.partition}:${service}:${stack.region}:${stack.account}:${resource}`;
    const endpointArn = arn('sagemaker', `endpoint/${props.endpointNamePrefix}*`);
    const alarmArn = arn('cloudwatch', `alarm:${alarmNamePrefix}*`);

    this.table = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expires_at',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Configuration, scaling state and the activity log outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    skipCheckov(this.table, [
      {
        id: 'CKV_AWS_119',
        comment:
          'Encrypted at rest with KMS under the AWS managed key aws/dynamodb; the items are scaling configuration, ' +
          'state and activities, no customer data; a customer managed key adds a key charge and key-policy upkeep for nothing.',
      },
    ]);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    skipCheckov(this.deadLetterQueue, [
      {
        id: 'CKV_AWS_27',
        comment:
          'Encrypted with SSE-SQS, which this check does not recognise; EventBridge cannot deliver to a queue ' +
          'encrypted with the AWS managed key alias/aws/sqs, and a customer managed key costs more than the data is worth.',
      },
    ]);

    const common = {
      memorySize,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      reservedConcurrency: props.reservedConcurrency ?? 10,
      environment: {
        SAGESCALE_TABLE: this.table.tableName,
        SAGESCALE_ALLOWED_ALARM_PREFIX: alarmNamePrefix,
        RUST_LOG: props.logLevel ?? 'info',
      },
      manifestPath: props.manifestPath ?? defaultManifestPath(),
      prebuiltAssetDir: props.prebuiltAssetDir,
      bundling: props.bundling,
    };

    this.alarmScaler = this.scalerFunction('AlarmScaler', 'alarm-scaler', {
      ...common,
      description: 'sagescale alarm-scaler (CloudWatch alarm -> step / alarm-driven policies)',
      timeout: Duration.seconds(30),
      // An alarm event older than an hour is history; the one-minute pass re-reads alarm state.
      maxEventAge: Duration.hours(1),
    });
    this.scheduleScaler = this.scalerFunction('ScheduleScaler', 'schedule-scaler', {
      ...common,
      description: 'sagescale schedule-scaler (scheduled actions and the one-minute reconcile pass)',
      timeout: Duration.seconds(60),
      // Scheduled actions have a short catch-up window; a tick older than that is useless.
      maxEventAge: Duration.minutes(15),
    });

    for (const fn of [this.alarmScaler, this.scheduleScaler]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'State',
          actions: [
            'dynamodb:GetItem',
            // The one-minute pass loads configurations and states 100 keys at a time.
            'dynamodb:BatchGetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:Query',
            // TransactWriteItems is authorised item by item through these actions.
            'dynamodb:ConditionCheckItem',
          ],
          resources: [this.table.tableArn],
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'Endpoints',
          actions: ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'],
          resources: [endpointArn],
        }),
      );
      // alarm-scaler: events without datapoints; schedule-scaler: re-firing alarms still in ALARM.
      // Composite alarms are returned only to a DescribeAlarms permission on '*'.
      fn.addToRolePolicy(
        new iam.PolicyStatement({ sid: 'Alarms', actions: ['cloudwatch:DescribeAlarms'], resources: ['*'] }),
      );
      // Target tracking (and events without datapoints) read metrics; GetMetricData has no
      // resource-level permissions.
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'Metrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
      if (fn === this.scheduleScaler) {
        // The deployment check lists endpoints' LastModifiedTime; no resource-level permissions.
        fn.addToRolePolicy(
          new iam.PolicyStatement({ sid: 'ListEndpoints', actions: ['sagemaker:ListEndpoints'], resources: ['*'] }),
        );
      }
    }

    // EventBridge: "CloudWatch Alarm State Change" of this account's alarms with the prefix.
    new events.Rule(this, 'AlarmStateChangeRule', {
      description: 'sagescale: alarm state changes -> alarm-scaler',
      enabled: props.alarmEventRule ?? true,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        account: [stack.account],
        detail: { alarmName: [{ prefix: alarmNamePrefix }] },
      },
      targets: [
        new targets.LambdaFunction(this.alarmScaler, {
          deadLetterQueue: this.deadLetterQueue,
          maxEventAge: Duration.hours(1),
          retryAttempts: 10,
        }),
      ],
    });

    // Direct alarm actions: only this account's alarms whose names carry the prefix.
    this.alarmScaler.addPermission('AlarmActionPermission', {
      principal: new iam.ServicePrincipal('lambda.alarms.cloudwatch.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
      sourceArn: alarmArn,
    });

    if (props.alarmTopic) {
      props.alarmTopic.addSubscription(new subscriptions.LambdaSubscription(this.alarmScaler));
    }

    new events.Rule(this, 'MinuteTickRule', {
      description: 'sagescale one-minute reconcile pass',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.LambdaFunction(this.scheduleScaler, {
          deadLetterQueue: this.deadLetterQueue,
          // The next tick supersedes a late one.
          maxEventAge: Duration.minutes(2),
          retryAttempts: 2,
        }),
      ],
    });

    // EventBridge Scheduler assumes this role to invoke schedule-scaler for named scheduled
    // actions (target Input: {"ScheduledActionName": ..., "ResourceId": ...}).
    this.schedulerRole = new iam.Role(this, 'SchedulerInvokeRole', {
      description: 'EventBridge Scheduler invokes sagescale schedule-scaler',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    });
    this.scheduleScaler.grantInvoke(this.schedulerRole);

    if (props.dashboard ?? true) {
      this.dashboard = this.createDashboard(props.dashboardName ?? stack.stackName);
    }
  }

  /**
   * Decisions come from the EMF line of each decision (namespace sagescale, dimensions
   * [ResourceId, Outcome]). SUM(SEARCH(...)) adds up every target's series of one Outcome, so
   * the graph needs no ResourceId and picks up new targets. SageMaker publishes no
   * instance-count metric for endpoint variants: capacity is what sagescale decided
   * (DesiredCapacity) and what it found (PreviousCapacity). Same widgets as infra/template.yaml.
   */
  private createDashboard(dashboardName: string): cloudwatch.Dashboard {
    const minute = Duration.minutes(1);
    const decisions = OUTCOMES.map(
      (outcome) =>
        new cloudwatch.MathExpression({
          expression: `SUM(SEARCH('${EMF_SCHEMA} MetricName="Decisions" Outcome="${outcome}"', 'Sum', 60))`,
          label: outcome,
          period: minute,
        }),
    );
    const capacity = (metric: string, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('${EMF_SCHEMA} MetricName="${metric}"', 'Maximum', 60)`,
        label,
        period: minute,
      });
    const fns: [string, lambda.Function][] = [
      ['alarm-scaler', this.alarmScaler],
      ['schedule-scaler', this.scheduleScaler],
    ];
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Decisions by outcome (all targets, per minute)',
        left: decisions,
        width: 12,
        height: 6,
        period: minute,
      }),
      new cloudwatch.GraphWidget({
        title: 'Desired and previous capacity (per target and outcome)',
        left: [capacity('DesiredCapacity', 'Desired'), capacity('PreviousCapacity', 'Previous')],
        width: 12,
        height: 6,
        period: minute,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        left: fns.flatMap(([name, fn]) => [
          fn.metricErrors({ period: minute, statistic: 'Sum', label: `${name} errors` }),
          fn.metricThrottles({ period: minute, statistic: 'Sum', label: `${name} throttles` }),
        ]),
        width: 8,
        height: 6,
        period: minute,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration (ms; schedule-scaler timeout 60 s)',
        left: [
          ...fns.map(([name, fn]) => fn.metricDuration({ period: minute, statistic: 'Maximum', label: `${name} max` })),
          this.scheduleScaler.metricDuration({ period: minute, statistic: 'Average', label: 'schedule-scaler average' }),
        ],
        width: 8,
        height: 6,
        period: minute,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: [
          this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: minute,
            statistic: 'Maximum',
            label: 'messages visible',
          }),
        ],
        width: 8,
        height: 6,
        period: minute,
      }),
    );
    return dashboard;
  }

  private scalerFunction(
    id: string,
    binary: Binary,
    opts: {
      description: string;
      timeout: Duration;
      maxEventAge: Duration;
      memorySize: number;
      logRetention: logs.RetentionDays;
      reservedConcurrency: number | false;
      environment: Record<string, string>;
      manifestPath: string;
      prebuiltAssetDir?: string;
      bundling?: BundlingOptions;
    },
  ): lambda.Function {
    const logGroup = new logs.LogGroup(this, `${id}LogGroup`, {
      retention: opts.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    skipCheckov(logGroup, [
      {
        id: 'CKV_AWS_158',
        comment:
          'CloudWatch Logs encrypts at rest with service-managed keys; the logs hold scaling decisions, ' +
          'no secrets or customer data; a customer managed key adds cost and key-policy upkeep for nothing.',
      },
    ]);
    // Own role without the AWSLambdaBasicExecutionRole managed policy: logs only to its group.
    const role = new iam.Role(this, `${id}Role`, {
      description: `sagescale ${binary} execution role`,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fnProps = {
      description: opts.description,
      architecture: lambda.Architecture.ARM_64,
      memorySize: opts.memorySize,
      timeout: opts.timeout,
      role,
      logGroup,
      environment: opts.environment,
      reservedConcurrentExecutions: opts.reservedConcurrency === false ? undefined : opts.reservedConcurrency,
      retryAttempts: 2,
      maxEventAge: opts.maxEventAge,
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    };
    const fn = opts.prebuiltAssetDir
      ? new lambda.Function(this, id, {
          ...fnProps,
          runtime: lambda.Runtime.PROVIDED_AL2023,
          handler: 'bootstrap',
          code: lambda.Code.fromAsset(prebuiltZip(opts.prebuiltAssetDir, binary)),
        })
      : new RustFunction(this, id, {
          ...fnProps,
          runtime: 'provided.al2023',
          manifestPath: opts.manifestPath,
          binaryName: binary,
          bundling: { ...opts.bundling, architecture: lambda.Architecture.ARM_64 },
        });
    skipCheckov(fn, FUNCTION_SKIPS);
    return fn;
  }
}

/** The workspace Cargo.toml of the sagescale repository (this package lives in infra/cdk). */
export function defaultManifestPath(): string {
  // __dirname is infra/cdk/lib (ts-node) or infra/cdk/dist/lib (compiled).
  for (const up of ['../../..', '../../../..']) {
    const candidate = path.resolve(__dirname, up, 'Cargo.toml');
    if (fs.existsSync(candidate) && fs.existsSync(path.resolve(__dirname, up, 'functions', 'alarm-scaler'))) {
      return candidate;
    }
  }
  throw new Error('cannot find the sagescale Cargo workspace; set manifestPath');
}

/** `<dir>/<binary>/bootstrap.zip`, as `cargo lambda build --output-format zip` lays it out. */
export function prebuiltZip(dir: string, binary: Binary): string {
  const zip = path.resolve(dir, binary, 'bootstrap.zip');
  if (!fs.existsSync(zip)) {
    throw new Error(`${zip} not found: run \`make build\` first, or omit prebuiltAssetDir to build at synth time`);
  }
  return zip;
}
