import { ASIM_AUDIT_EVENT_COLUMNS, ASIM_AUDIT_EVENT_NATIVE_TRANSFORM } from '../../parsers/asim/audit-event.ts';
import { ASIM_AUTHENTICATION_COLUMNS, ASIM_AUTHENTICATION_NATIVE_TRANSFORM } from '../../parsers/asim/authentication.ts';
import { AWS_CLOUDTRAIL_COLUMNS } from '../../parsers/tables/aws-cloudtrail.ts';
import { GCP_AUDIT_LOGS_COLUMNS } from '../../parsers/tables/gcp-audit-logs.ts';
import { COMMON_SECURITY_LOG_COLUMNS } from '../../parsers/tables/common-security-log.ts';
import { SYSLOG_COLUMNS, type ColumnType } from '../../parsers/tables/syslog.ts';
import type { Config } from '../config/schema.ts';
import { ROW_ID_COLUMN } from '../pipeline/row-identity.ts';

/*
 * The Data Collection Rule asimd needs, as an ARM template: one Custom-<Table>
 * input stream per table the agent emits, declared with exactly the columns the
 * row builders write, and a data flow into the built-in table. The emulator
 * reads the same file, so a column the agent emits but the DCR lacks fails a
 * test here as it would fail in Azure.
 */

export interface TableStream {
  /** Key under `streams` in the config. */
  key: keyof Config['streams'];
  /** The built-in table the data flow writes to. */
  table: string;
  columns: ReadonlyArray<{ name: string; type: ColumnType }>;
  /**
   * Maps the stream onto the built-in table: drops what the agent sends that the
   * table has no column for (AsimdFlags; ASIM fields Microsoft computes at query time).
   */
  transformKql: string;
}

/** To keep AsimdFlags in Sentinel, add a custom column AsimdFlags_CF to the table and use `source | project-rename AsimdFlags_CF = AsimdFlags`. */
const DROP_FLAGS = 'source | project-away AsimdFlags';

/** One line per table asimd emits. */
export const TABLE_STREAMS: readonly TableStream[] = [
  { key: 'syslog', table: 'Syslog', columns: SYSLOG_COLUMNS, transformKql: DROP_FLAGS },
  { key: 'commonSecurityLog', table: 'CommonSecurityLog', columns: COMMON_SECURITY_LOG_COLUMNS, transformKql: DROP_FLAGS },
  { key: 'asimAuthentication', table: 'ASimAuthenticationEventLogs', columns: ASIM_AUTHENTICATION_COLUMNS, transformKql: ASIM_AUTHENTICATION_NATIVE_TRANSFORM },
  { key: 'awsCloudTrail', table: 'AWSCloudTrail', columns: AWS_CLOUDTRAIL_COLUMNS, transformKql: 'source' },
  { key: 'gcpAuditLogs', table: 'GCPAuditLogs', columns: GCP_AUDIT_LOGS_COLUMNS, transformKql: 'source' },
  { key: 'asimAuditEvent', table: 'ASimAuditEventLogs', columns: ASIM_AUDIT_EVENT_COLUMNS, transformKql: ASIM_AUDIT_EVENT_NATIVE_TRANSFORM },
];

export interface StreamDeclaration {
  columns: Array<{ name: string; type: ColumnType }>;
}

export interface DcrTemplate {
  $schema: string;
  contentVersion: string;
  parameters: Record<string, { type: string; defaultValue?: string; metadata: { description: string } }>;
  resources: Array<{
    type: 'Microsoft.Insights/dataCollectionRules';
    apiVersion: string;
    name: string;
    location: string;
    kind: 'Direct';
    properties: {
      description: string;
      streamDeclarations: Record<string, StreamDeclaration>;
      destinations: { logAnalytics: Array<{ workspaceResourceId: string; name: string }> };
      dataFlows: Array<{ streams: string[]; destinations: string[]; transformKql: string; outputStream: string }>;
    };
  }>;
  outputs: Record<string, { type: string; value: string }>;
}

const DESTINATION = 'sentinelWorkspace';

export function dcrTemplate(streams: Config['streams']): DcrTemplate {
  const streamDeclarations: Record<string, StreamDeclaration> = {};
  const dataFlows: DcrTemplate['resources'][number]['properties']['dataFlows'] = [];
  for (const { key, table, columns, transformKql } of TABLE_STREAMS) {
    const stream = streams[key];
    // Every row also carries its identity (pipeline/row-identity.ts), kept by every transform.
    streamDeclarations[stream] = { columns: [...columns.map(({ name, type }) => ({ name, type })), { name: ROW_ID_COLUMN, type: 'string' as const }] };
    dataFlows.push({ streams: [stream], destinations: [DESTINATION], transformKql, outputStream: `Microsoft-${table}` });
  }
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      dataCollectionRuleName: { type: 'string', defaultValue: 'asimd', metadata: { description: 'Name of the data collection rule.' } },
      location: { type: 'string', defaultValue: '[resourceGroup().location]', metadata: { description: 'Region; the same as the workspace.' } },
      workspaceResourceId: {
        type: 'string',
        metadata: { description: 'Resource id of the Log Analytics workspace Microsoft Sentinel uses.' },
      },
    },
    resources: [
      {
        type: 'Microsoft.Insights/dataCollectionRules',
        apiVersion: '2023-03-11',
        name: "[parameters('dataCollectionRuleName')]",
        location: "[parameters('location')]",
        kind: 'Direct',
        properties: {
          description: 'asimd: rows posted through the Logs Ingestion API to Sentinel tables.',
          streamDeclarations,
          destinations: { logAnalytics: [{ workspaceResourceId: "[parameters('workspaceResourceId')]", name: DESTINATION }] },
          dataFlows,
        },
      },
    ],
    outputs: {
      immutableId: {
        type: 'string',
        value: "[reference(resourceId('Microsoft.Insights/dataCollectionRules', parameters('dataCollectionRuleName'))).immutableId]",
      },
      logsIngestionEndpoint: {
        type: 'string',
        value: "[reference(resourceId('Microsoft.Insights/dataCollectionRules', parameters('dataCollectionRuleName'))).endpoints.logsIngestion]",
      },
    },
  };
}

/** The stream declarations of a DCR template (what the emulator enforces). */
export function streamDeclarationsOf(template: DcrTemplate): Record<string, StreamDeclaration> {
  const rule = template.resources.find((resource) => resource.type === 'Microsoft.Insights/dataCollectionRules');
  return rule?.properties.streamDeclarations ?? {};
}

export function renderDcrTemplate(streams: Config['streams']): string {
  return `${JSON.stringify(dcrTemplate(streams), null, 2)}\n`;
}
