// Scenario client for the capture corpus on Node.js: kafkajs (pure JavaScript, its own protocol
// implementation and its own choice of versions) through its admin calls, an idempotent producer
// and a transactional producer. Writes what it asked for to expected.json, in the layout
// clients.py uses; every step is bounded in time and its outcome recorded in "steps".
//
//     node kafkajs_client.js BOOTSTRAP OUTDIR BROKER   (run by drive.py; kafkajs from npm)
"use strict";

const fs = require("fs");
const path = require("path");
const { Kafka, logLevel, ConfigResourceTypes, AclResourceTypes, AclOperationTypes,
  AclPermissionTypes, ResourcePatternTypes } = require("kafkajs");

const [bootstrap, outdir, broker] = process.argv.slice(2);
const BASE_TS = 1700000000000;
const STEP_MS = 30000;
const expected = {
  profile: "kafkajs",
  broker,
  bootstrap_note: "loopback; port differs per run",
  topics: [],
  groups: [],
  produced: [],
  committed: [],
  transactions: [],
  steps: {},
};
const save = () =>
  fs.writeFileSync(path.join(outdir, "expected.json"), JSON.stringify(sortKeys(expected), null, 1));

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  }
  return v;
}

function expect(key, value, pending) {
  (expected[key] = expected[key] || []).push(value);
  pending.push([key, value]);
}

// Runs one step; a step the client refused before sending (the broker does not advertise the
// API) has its expectations withdrawn and is listed under not_sent, as in clients.py.
async function step(name, fn) {
  const pending = [];
  const t0 = Date.now();
  let timer;
  try {
    await Promise.race([
      fn(pending),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${STEP_MS / 1000} s; abandoned`)), STEP_MS);
      }),
    ]);
    expected.steps[name] = "ok";
  } catch (e) {
    expected.steps[name] = `error: ${e.name}: ${e.message}`.slice(0, 300);
    if (e.name === "KafkaJSServerDoesNotSupportApiKey") {
      for (const [key, value] of pending) expected[key].splice(expected[key].indexOf(value), 1);
      (expected.not_sent = expected.not_sent || []).push(name);
    }
  } finally {
    clearTimeout(timer);
  }
  console.log(`[kafkajs@${broker}] step ${name}: ${expected.steps[name]} (${(Date.now() - t0) / 1000}s)`);
  save();
}

function records(tag, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push({
      key: i === 2 ? null : `${tag}-k${i}`,
      value: i === 3 ? "" : `${tag}-value-${i}`,
      headers: i % 2 === 0 ? [["trace", "a"]] : [],
      partition: i % 2,
      ts: BASE_TS + i * 1000,
    });
  }
  return out;
}

function noteProduced(topic, recs, via, txn) {
  for (const r of recs) {
    expected.produced.push({
      topic,
      partition: r.partition,
      timestamp: r.ts,
      key: r.key === null ? { null: true } : { utf8: r.key },
      value: { utf8: r.value },
      headers: r.headers.map(([k, v]) => [k, { utf8: v }]),
      compression: "none",
      via,
      acks: "all",
      transaction: txn,
    });
  }
}

const messages = (recs) =>
  recs.map((r) => ({
    key: r.key,
    value: r.value,
    partition: r.partition,
    timestamp: String(r.ts),
    headers: Object.fromEntries(r.headers),
  }));

async function main() {
  fs.mkdirSync(outdir, { recursive: true });
  save();
  const kafka = new Kafka({
    clientId: "kafkajs-capture",
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    requestTimeout: 10000,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  const tag = "kjs";
  const main = `${tag}-main`;
  const small = `${tag}-small`;
  const doomed = `${tag}-doomed`;
  let brokerId = "1";

  await step("admin_connect", () => admin.connect());
  await step("create_topics", async (p) => {
    const specs = [
      [main, 3, { "retention.ms": "3600000", "cleanup.policy": "delete" }],
      [small, 1, {}],
      [doomed, 1, {}],
    ];
    for (const [name, n, configs] of specs) {
      expect("created_topics", { name, partitions: n, replication_factor: 1, configs }, p);
      expected.topics.push({ name, partitions: n });
    }
    await admin.createTopics({
      waitForLeaders: false,
      topics: specs.map(([topic, numPartitions, c]) => ({
        topic,
        numPartitions,
        replicationFactor: 1,
        configEntries: Object.entries(c).map(([name, value]) => ({ name, value })),
      })),
    });
  });
  await step("fetch_topic_metadata", () => admin.fetchTopicMetadata({ topics: [main, small] }));
  await step("describe_cluster", async () => {
    const d = await admin.describeCluster();
    expected.cluster = { cluster_id: d.clusterId, brokers: d.brokers.length };
    brokerId = String(d.brokers[0].nodeId);
  });
  await step("describe_configs", async (p) => {
    expect("described_configs", { type: "topic", name: main }, p);
    expect("described_configs", { type: "broker", name: brokerId }, p);
    await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: main },
        { type: ConfigResourceTypes.BROKER, name: brokerId },
      ],
    });
  });
  await step("alter_configs", async (p) => {
    const configs = { "retention.ms": "7200000" };
    expect("altered_configs", { type: "topic", name: small, configs, incremental: false }, p);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: small,
        configEntries: [{ name: "retention.ms", value: "7200000" }] }],
    });
  });
  await step("create_partitions", async (p) => {
    expect("created_partitions", { topic: small, count: 2 }, p);
    await admin.createPartitions({ topicPartitions: [{ topic: small, count: 2 }] });
  });

  await step("idempotent_produce", async (p) => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const recs = records(`${tag}-idem`, 4);
    await producer.send({ topic: main, acks: -1, messages: messages(recs) });
    await producer.disconnect();
    noteProduced(main, recs, "kafkajs (idempotent)", null);
    expect("idempotent_producers", { transactional_id: null, topic: main, records: recs.length }, p);
  });

  await step("transactions", async () => {
    const txid = `${tag}-txid`;
    const producer = kafka.producer({ transactionalId: txid, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const outcome of ["commit", "abort"]) {
      const txn = await producer.transaction();
      const recs = records(`${tag}-txn-${outcome}`, 2);
      await txn.send({ topic: main, acks: -1, messages: messages(recs) });
      if (outcome === "commit") {
        const group = `${tag}-grp-txn`;
        await txn.sendOffsets({ consumerGroupId: group, topics: [{ topic: main, partitions: [{ partition: 0, offset: "1" }] }] });
        expected.committed.push({ group, topic: main, partition: 0, offset: 1, metadata: "", via: "TxnOffsetCommit" });
        await txn.commit();
      } else {
        await txn.abort();
      }
      noteProduced(main, recs, "kafkajs", outcome);
      expected.transactions.push({ transactional_id: txid, outcome });
    }
    await producer.disconnect();
  });

  await step("fetch_topic_offsets", async () => {
    expected.watermarks = await admin.fetchTopicOffsets(main);
  });
  await step("delete_records", async (p) => {
    expect("deleted_records", { topic: main, partition: 0, offset: 1 }, p);
    await admin.deleteTopicRecords({ topic: main, partitions: [{ partition: 0, offset: "1" }] });
  });
  await step("list_groups", () => admin.listGroups());
  await step("describe_groups", () => admin.describeGroups([`${tag}-grp-txn`]));
  await step("delete_topics", async () => {
    expected.deleted_topics = [doomed];
    await admin.deleteTopics({ topics: [doomed], timeout: 10000 });
  });
  const acl = {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: main,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal: "User:alice",
    host: "*",
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  };
  await step("create_acls", async (p) => {
    expect("created_acls", { resource_type: 2, name: main, pattern_type: 3, principal: "User:alice",
      host: "*", operation: 3, permission: 3 }, p);
    await admin.createAcls({ acl: [acl] });
  });
  await step("describe_acls", () =>
    admin.describeAcls({ resourceType: AclResourceTypes.TOPIC, resourceName: main,
      resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY }));
  await step("admin_disconnect", () => admin.disconnect());
  save();
}

main()
  .catch((e) => {
    expected.steps.main = `error: ${e.name}: ${e.message}`.slice(0, 300);
    save();
  })
  .finally(() => process.exit(0));
