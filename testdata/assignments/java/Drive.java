package org.apache.kafka.clients.consumer;

import java.io.*;
import java.nio.ByteBuffer;
import java.util.*;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.AbstractPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.AbstractStickyAssignor;
import org.apache.kafka.common.*;

/** Reads scenarios on stdin, prints Java's assignment for each. */
public class Drive {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    String line;
    String strategy = null; boolean prefer = false;
    Map<String, List<PartitionInfo>> parts = new HashMap<>();
    Map<String, Subscription> subs = new HashMap<>();
    List<String> order = new ArrayList<>();
    PrintStream out = System.out;
    while ((line = in.readLine()) != null) {
      String[] f = line.split(" ", -1);
      switch (f[0]) {
        case "strategy": strategy = f[1]; prefer = f.length > 2 && f[2].equals("prefer"); parts = new HashMap<>(); subs = new HashMap<>(); order = new ArrayList<>(); break;
        case "topic": {
          String t = f[1]; String[] ps = f[2].split("\\|", -1);
          List<PartitionInfo> l = new ArrayList<>();
          int nodeId = 0;
          for (int i = 0; i < ps.length; i++) {
            List<Node> reps = new ArrayList<>();
            for (String r : ps[i].split(",")) if (!r.isEmpty()) reps.add(new Node(nodeId++, "h", 1, r));
            if (reps.isEmpty()) reps.add(new Node(nodeId++, "h", 1, null));
            Node[] arr = reps.toArray(new Node[0]);
            l.add(new PartitionInfo(t, i, arr[0], arr, arr));
          }
          parts.put(t, l); break;
        }
        case "member": {
          String id = f[1];
          List<String> topics = Arrays.asList(f[2].split(","));
          Optional<String> rack = f[3].equals("-") ? Optional.empty() : Optional.of(f[3]);
          int gen = f[4].equals("-") ? -1 : Integer.parseInt(f[4]);
          List<TopicPartition> owned = new ArrayList<>();
          if (!f[5].equals("-")) for (String tp : f[5].split(",")) { int k = tp.lastIndexOf('-'); owned.add(new TopicPartition(tp.substring(0, k), Integer.parseInt(tp.substring(k + 1)))); }
          ByteBuffer ud = null;
          if (strategy.equals("sticky") && !f[4].equals("-"))
            ud = StickyAssignor.serializeTopicPartitionAssignment(new AbstractStickyAssignor.MemberData(owned, Optional.of(gen)));
          Subscription s = new Subscription(topics, ud, owned, gen, rack);
          if (!f[6].equals("-")) s.setGroupInstanceId(Optional.of(f[6]));
          subs.put(id, s); order.add(id); break;
        }
        case "end": {
          AbstractPartitionAssignor a;
          switch (strategy) {
            case "range": a = new RangeAssignor(); break;
            case "roundrobin": a = new RoundRobinAssignor(); break;
            case "sticky": a = new StickyAssignor(); break;
            default: a = new CooperativeStickyAssignor();
          }
          if (prefer) {
            java.lang.reflect.Field fl = AbstractPartitionAssignor.class.getDeclaredField("preferRackAwareLogic");
            fl.setAccessible(true); fl.setBoolean(a, true);
          }
          // As AbstractPartitionAssignor.assign(Cluster, ...) does: only subscribed topics.
          Map<String, List<PartitionInfo>> subscribed = new HashMap<>();
          for (Subscription s : subs.values())
            for (String t : s.topics())
              if (parts.containsKey(t)) subscribed.put(t, parts.get(t));
          Map<String, List<TopicPartition>> r;
          try { r = a.assignPartitions(subscribed, subs); }
          catch (Exception e) { out.println("error " + e); out.println("done"); break; }
          for (String m : new TreeSet<>(r.keySet())) {
            List<String> l = new ArrayList<>();
            for (TopicPartition tp : r.get(m)) l.add(tp.topic() + "-" + tp.partition());
            Collections.sort(l);
            out.println("assign " + m + " " + String.join(",", l));
          }
          out.println("done"); break;
        }
      }
    }
  }
}
