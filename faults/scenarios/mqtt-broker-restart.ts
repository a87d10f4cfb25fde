import { sleep, type FaultScenario } from '../scenario.ts';
import { runStreamFault } from '../sensor-stream.ts';

/**
 * The MQTT broker stops (SIGTERM, as a service restart or an upgrade does) in
 * the middle of a QoS 1 sensor stream and comes back 2 s later: the publisher
 * and the API reconnect, the persistent sessions resume, nothing is lost and
 * nothing is stored twice.
 */
const scenario: FaultScenario = {
  name: 'mqtt-broker-restart',
  title: 'the MQTT broker stops for 2 s while the API ingests 3,000 QoS 1 uplinks',
  run: (ctx) =>
    runStreamFault(ctx, {
      label: 'brokerrestart',
      shareGroup: '',
      messages: 3000,
      strikeAt: 1000,
      async strike({ broker }) {
        await broker.stop();
        await sleep(2000);
        await broker.start();
        return 'broker stopped at 1000 stored, started again 2 s later';
      },
    }),
};
export default scenario;
