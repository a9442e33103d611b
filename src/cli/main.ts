#!/usr/bin/env node
import { ConfigError } from '../config.js';
import { ADMIN_USAGE, adminCommand } from './admin.js';
import { APP_USAGE, appCommand } from './app.js';
import { UsageError } from './args.js';
import { BACKUP_USAGE, backupCommand } from './backup.js';
import { DEVICE_USAGE, deviceCommand } from './device.js';
import { PUSH_USAGE, pushCommand } from './push.js';
import { GROUP_USAGE, groupCommand } from './group.js';
import { REPORT_USAGE, reportCommand } from './report.js';
import { SEGMENT_USAGE, segmentCommand } from './segment.js';
import { SERVE_USAGE, serveCommand } from './serve.js';
import { UMS_USAGE, umsCommand } from './ums.js';
import { StoreFeatureUnavailable } from '../store/store-errors.js';

const USAGE = `Borealis: self-hosted push notifications, wire-compatible with JPush v3.

${SERVE_USAGE}

${APP_USAGE}

${ADMIN_USAGE}

${DEVICE_USAGE}

${PUSH_USAGE}

${REPORT_USAGE}

${SEGMENT_USAGE}

${GROUP_USAGE}

${UMS_USAGE}

${BACKUP_USAGE}

Flags without a command go to serve: \`borealis --port 9000\` is \`borealis serve --port 9000\`.
`;

async function main(argv: string[]): Promise<number> {
  // serve is the default command, so flags alone (`borealis --port 9000`) are its flags
  const bareFlags = argv[0]?.startsWith('-') === true && !['-h', '--help'].includes(argv[0]);
  const [command = 'serve', ...rest] = bareFlags ? ['serve', ...argv] : argv;
  switch (command) {
    case 'serve':
      return serveCommand(rest);
    case 'app':
      return appCommand(rest);
    case 'admin':
      return adminCommand(rest);
    case 'device':
      return deviceCommand(rest);
    case 'report':
      return reportCommand(rest);
    case 'segment':
    case 'abtest':
      return segmentCommand(command, rest);
    case 'push':
      return pushCommand(rest);
    case 'backup':
      return backupCommand(rest);
    case 'group':
      return groupCommand(rest);
    case 'ums':
      return umsCommand(rest);
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`borealis: ${err.message}`);
      process.exitCode = 2;
    } else if (err instanceof StoreFeatureUnavailable) {
      console.error(`borealis: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(err);
      process.exitCode = 1;
    }
  },
);
