import { sleep, type FaultScenario } from '../scenario.ts';
import { runStreamFault } from '../sensor-stream.ts';

/**
 * The MQTT broker dies (SIGKILL: no clean shutdown) in the middle of a QoS 1
 * sensor stream and is started again 2 s later from its persistence file.
 */
const scenario: FaultScenario = {
  name: 'mqtt-broker-kill9',
  title: 'kill -9 of the MQTT broker while the API ingests 3,000 QoS 1 uplinks, then a restart',
  run: (ctx) =>
    runStreamFault(ctx, {
      label: 'brokerkill',
      shareGroup: '',
      messages: 3000,
      strikeAt: 1000,
      async strike({ broker }) {
        await broker.kill9();
        await sleep(2000);
        await broker.start();
        return 'broker killed at 1000 stored, started again 2 s later';
      },
    }),
};
export default scenario;
