/**
 * The Swagger 1.1 description of the ARI subset the simulator serves, in the shape Asterisk
 * publishes under /ari/api-docs. ari-client builds its whole API from these documents at connect
 * (one method per operation `nickname`, and the event models decide which event fields become
 * Channel or Bridge objects), so names and types follow Asterisk's own documents.
 */

const API_VERSION = '12.0.0';

type ParamType = 'path' | 'query' | 'body';

interface Param {
  name: string;
  paramType: ParamType;
  dataType: string;
  required: boolean;
  allowMultiple: boolean;
  description: string;
}

interface Operation {
  httpMethod: 'GET' | 'POST' | 'PUT' | 'DELETE';
  nickname: string;
  summary: string;
  responseClass: string;
  parameters: Param[];
  errorResponses: Array<{ code: number; reason: string }>;
}

const path = (name: string, description: string): Param => ({
  name,
  paramType: 'path',
  dataType: 'string',
  required: true,
  allowMultiple: false,
  description,
});

const query = (
  name: string,
  description: string,
  options: { dataType?: string; required?: boolean; multiple?: boolean } = {},
): Param => ({
  name,
  paramType: 'query',
  dataType: options.dataType ?? 'string',
  required: options.required ?? false,
  allowMultiple: options.multiple ?? false,
  description,
});

const body = (name: string, dataType: string, description: string): Param => ({
  name,
  paramType: 'body',
  dataType,
  required: false,
  allowMultiple: false,
  description,
});

function op(
  httpMethod: Operation['httpMethod'],
  nickname: string,
  summary: string,
  responseClass: string,
  parameters: Param[] = [],
  errors: Record<number, string> = {},
): Operation {
  return {
    httpMethod,
    nickname,
    summary,
    responseClass,
    parameters,
    errorResponses: Object.entries(errors).map(([code, reason]) => ({
      code: Number(code),
      reason,
    })),
  };
}

type Properties = Record<string, { type: string; required?: boolean; description?: string }>;

const req = (type: string, description?: string) => ({ type, required: true, description });
const opt = (type: string, description?: string) => ({ type, required: false, description });

const channelId = path('channelId', "Channel's id");
const bridgeId = path('bridgeId', "Bridge's id");
const applicationName = path('applicationName', "Application's name");

const CHANNEL_MODELS: Record<string, { id: string; properties: Properties }> = {
  CallerID: {
    id: 'CallerID',
    properties: { name: req('string'), number: req('string') },
  },
  DialplanCEP: {
    id: 'DialplanCEP',
    properties: {
      context: req('string'),
      exten: req('string'),
      priority: req('long'),
      app_name: req('string'),
      app_data: req('string'),
    },
  },
  Channel: {
    id: 'Channel',
    properties: {
      id: req('string', 'Unique identifier of the channel (the uniqueid)'),
      protocol_id: req('string'),
      name: req('string'),
      state: req('string'),
      caller: req('CallerID'),
      connected: req('CallerID'),
      accountcode: req('string'),
      dialplan: req('DialplanCEP'),
      creationtime: req('Date'),
      language: req('string'),
      channelvars: opt('object', 'Channel variables, where asked for or set'),
    },
  },
  Variable: { id: 'Variable', properties: { value: req('string') } },
};

const BRIDGE_MODELS = {
  Bridge: {
    id: 'Bridge',
    properties: {
      id: req('string'),
      technology: req('string'),
      bridge_type: req('string'),
      bridge_class: req('string'),
      creator: req('string'),
      name: req('string'),
      channels: req('List[string]'),
      creationtime: req('Date'),
      video_mode: opt('string'),
    },
  },
};

const APPLICATION_MODELS = {
  Application: {
    id: 'Application',
    properties: {
      name: req('string'),
      channel_ids: req('List[string]'),
      bridge_ids: req('List[string]'),
      endpoint_ids: req('List[string]'),
      device_names: req('List[string]'),
      events_allowed: req('List[object]'),
      events_disallowed: req('List[object]'),
    },
  },
};

const ASTERISK_MODELS = {
  AsteriskInfo: {
    id: 'AsteriskInfo',
    properties: {
      build: opt('object'),
      system: opt('object'),
      config: opt('object'),
      status: opt('object'),
    },
  },
};

const EVENT_BASE: Properties = {
  type: req('string'),
  application: req('string'),
  timestamp: req('Date'),
  asterisk_id: opt('string'),
};

/** The events the simulator emits; a client gets no event it has no model for. */
const EVENT_PROPERTIES: Record<string, Properties> = {
  ChannelCreated: { channel: req('Channel') },
  ChannelDestroyed: { cause: req('int'), cause_txt: req('string'), channel: req('Channel') },
  ChannelDialplan: {
    channel: req('Channel'),
    dialplan_app: req('string'),
    dialplan_app_data: req('string'),
  },
  ChannelCallerId: {
    caller_presentation: req('int'),
    caller_presentation_txt: req('string'),
    channel: req('Channel'),
  },
  ChannelStateChange: { channel: req('Channel') },
  ChannelVarset: { variable: req('string'), value: req('string'), channel: opt('Channel') },
  ChannelDtmfReceived: { digit: req('string'), duration_ms: req('int'), channel: req('Channel') },
  ChannelHangupRequest: { cause: opt('int'), soft: opt('boolean'), channel: req('Channel') },
  StasisStart: {
    args: req('List[string]'),
    channel: req('Channel'),
    replace_channel: opt('Channel'),
  },
  StasisEnd: { channel: req('Channel') },
  ChannelEnteredBridge: { bridge: req('Bridge'), channel: opt('Channel') },
  ChannelLeftBridge: { bridge: req('Bridge'), channel: req('Channel') },
  BridgeCreated: { bridge: req('Bridge') },
  BridgeDestroyed: { bridge: req('Bridge') },
  Dial: {
    caller: opt('Channel'),
    peer: req('Channel'),
    forward: opt('string'),
    forwarded: opt('Channel'),
    dialstring: opt('string'),
    dialstatus: req('string'),
  },
};

export const SIMULATED_EVENT_TYPES = Object.keys(EVENT_PROPERTIES);

const EVENT_MODELS = {
  Message: { id: 'Message', properties: { type: req('string'), asterisk_id: opt('string') } },
  Event: { id: 'Event', properties: EVENT_BASE },
  ...Object.fromEntries(
    Object.entries(EVENT_PROPERTIES).map(([type, properties]) => [
      type,
      { id: type, properties: { ...EVENT_BASE, ...properties } },
    ]),
  ),
};

interface ResourceSpec {
  description: string;
  apis: Array<{ path: string; description: string; operations: Operation[] }>;
  models: Record<string, unknown>;
}

const RESOURCES: Record<string, ResourceSpec> = {
  asterisk: {
    description: 'Asterisk resources',
    apis: [
      {
        path: '/asterisk/info',
        description: 'Asterisk system information',
        operations: [
          op('GET', 'getInfo', 'Gets Asterisk system information.', 'AsteriskInfo', [
            query('only', 'Filter information returned', { multiple: true }),
          ]),
        ],
      },
    ],
    models: ASTERISK_MODELS,
  },
  channels: {
    description: 'Channel resources',
    apis: [
      {
        path: '/channels',
        description: 'Active channels',
        operations: [op('GET', 'list', 'List all active channels in Asterisk.', 'List[Channel]')],
      },
      {
        path: '/channels/externalMedia',
        description: 'Create a channel to an External Media source/sink.',
        operations: [
          op(
            'POST',
            'externalMedia',
            'Start an External Media session.',
            'Channel',
            [
              query('channelId', 'The unique id to assign the channel on creation.'),
              query('app', 'Stasis Application to place channel into', { required: true }),
              body(
                'variables',
                'containers',
                'The "variables" key in the body object holds variable key/value pairs to set on the channel on creation.',
              ),
              query('external_host', 'Hostname/ip:port of external host', { required: true }),
              query('encapsulation', 'Payload encapsulation protocol'),
              query('transport', 'Transport protocol'),
              query('connection_type', 'Connection type (client/server)'),
              query('format', 'Format to encode audio in', { required: true }),
              query('direction', 'External media direction'),
              query('data', 'An arbitrary data field'),
            ],
            { 400: 'Invalid parameters', 409: 'Channel is not in a Stasis application' },
          ),
        ],
      },
      {
        path: '/channels/{channelId}',
        description: 'Active channel',
        operations: [
          op('GET', 'get', 'Channel details.', 'Channel', [channelId], {
            404: 'Channel not found',
          }),
          op(
            'DELETE',
            'hangup',
            'Delete (i.e. hangup) a channel.',
            'void',
            [
              channelId,
              query('reason_code', 'The reason code for hanging up the channel'),
              query('reason', 'Reason for hanging up the channel'),
            ],
            { 400: 'Invalid reason for hangup provided', 404: 'Channel not found' },
          ),
        ],
      },
      {
        path: '/channels/{channelId}/variable',
        description: 'Variables on a channel',
        operations: [
          op(
            'GET',
            'getChannelVar',
            'Get the value of a channel variable or function.',
            'Variable',
            [
              channelId,
              query('variable', 'The channel variable or function to get', { required: true }),
            ],
            { 400: 'Missing variable parameter.', 404: 'Channel or variable not found' },
          ),
          op(
            'POST',
            'setChannelVar',
            'Set the value of a channel variable or function.',
            'void',
            [
              channelId,
              query('variable', 'The channel variable or function to set', { required: true }),
              query('value', 'The value to set the variable to'),
            ],
            { 400: 'Missing variable parameter.', 404: 'Channel not found' },
          ),
        ],
      },
      {
        path: '/channels/{channelId}/snoop',
        description: 'Snoop (spy/whisper) on a channel',
        operations: [
          op(
            'POST',
            'snoopChannel',
            'Start snooping.',
            'Channel',
            [
              channelId,
              query('spy', 'Direction of audio to spy on'),
              query('whisper', 'Direction of audio to whisper into'),
              query('app', 'Application the snooping channel is placed into', { required: true }),
              query('appArgs', 'The application arguments to pass to the Stasis application'),
              query('snoopId', 'Unique ID to assign to snooping channel'),
            ],
            { 400: 'Invalid parameters', 404: 'Channel not found' },
          ),
        ],
      },
      {
        path: '/channels/{channelId}/snoop/{snoopId}',
        description: 'Snoop (spy/whisper) on a channel',
        operations: [
          op(
            'POST',
            'snoopChannelWithId',
            'Start snooping.',
            'Channel',
            [
              channelId,
              path('snoopId', 'Unique ID to assign to snooping channel'),
              query('spy', 'Direction of audio to spy on'),
              query('whisper', 'Direction of audio to whisper into'),
              query('app', 'Application the snooping channel is placed into', { required: true }),
              query('appArgs', 'The application arguments to pass to the Stasis application'),
            ],
            { 400: 'Invalid parameters', 404: 'Channel not found' },
          ),
        ],
      },
    ],
    models: CHANNEL_MODELS,
  },
  bridges: {
    description: 'Bridge resources',
    apis: [
      {
        path: '/bridges',
        description: 'Active bridges',
        operations: [
          op('GET', 'list', 'List all active bridges in Asterisk.', 'List[Bridge]'),
          op('POST', 'create', 'Create a new bridge.', 'Bridge', [
            query('type', 'Comma separated list of bridge type attributes'),
            query('bridgeId', 'Unique ID to give to the bridge being created.'),
            query('name', 'Name to give to the bridge being created.'),
          ]),
        ],
      },
      {
        path: '/bridges/{bridgeId}',
        description: 'Individual bridge',
        operations: [
          op('POST', 'createWithId', 'Create a new bridge or update an existing one.', 'Bridge', [
            query('type', 'Comma separated list of bridge type attributes'),
            bridgeId,
            query('name', 'Set the name of the bridge.'),
          ]),
          op('GET', 'get', 'Get bridge details.', 'Bridge', [bridgeId], {
            404: 'Bridge not found',
          }),
          op('DELETE', 'destroy', 'Shut down a bridge.', 'void', [bridgeId], {
            404: 'Bridge not found',
          }),
        ],
      },
      {
        path: '/bridges/{bridgeId}/addChannel',
        description: 'Add a channel to a bridge',
        operations: [
          op(
            'POST',
            'addChannel',
            'Add a channel to a bridge.',
            'void',
            [
              bridgeId,
              query('channel', 'Ids of channels to add to bridge', {
                required: true,
                multiple: true,
              }),
              query('role', "Channel's role in the bridge"),
              query('absorbDTMF', 'Absorb DTMF coming from this channel', { dataType: 'boolean' }),
              query('mute', 'Mute audio from this channel', { dataType: 'boolean' }),
              query(
                'inhibitConnectedLineUpdates',
                'Do not present the identity of the newly connected channel',
                { dataType: 'boolean' },
              ),
            ],
            {
              400: 'Channel not found',
              404: 'Bridge not found',
              409: 'Bridge not in Stasis application; Channel currently recording',
              422: 'Channel not in Stasis application',
            },
          ),
        ],
      },
      {
        path: '/bridges/{bridgeId}/removeChannel',
        description: 'Remove a channel from a bridge',
        operations: [
          op(
            'POST',
            'removeChannel',
            'Remove a channel from a bridge.',
            'void',
            [
              bridgeId,
              query('channel', 'Ids of channels to remove from bridge', {
                required: true,
                multiple: true,
              }),
            ],
            {
              400: 'Channel not found',
              404: 'Bridge not found',
              422: 'Channel not in this bridge',
            },
          ),
        ],
      },
    ],
    models: BRIDGE_MODELS,
  },
  applications: {
    description: 'Stasis application resources',
    apis: [
      {
        path: '/applications',
        description: 'Stasis applications',
        operations: [op('GET', 'list', 'List all applications.', 'List[Application]')],
      },
      {
        path: '/applications/{applicationName}',
        description: 'Stasis application',
        operations: [
          op('GET', 'get', 'Get details of an application.', 'Application', [applicationName], {
            404: 'Application does not exist.',
          }),
        ],
      },
      {
        path: '/applications/{applicationName}/subscription',
        description: 'Stasis application',
        operations: [
          op(
            'POST',
            'subscribe',
            'Subscribe an application to a event source.',
            'Application',
            [
              applicationName,
              query(
                'eventSource',
                'URI for event source (channel:{channelId}, bridge:{bridgeId}, ...)',
                { required: true, multiple: true },
              ),
            ],
            {
              400: 'Missing parameter.',
              404: 'Application does not exist.',
              422: 'Event source does not exist.',
            },
          ),
          op(
            'DELETE',
            'unsubscribe',
            'Unsubscribe an application from an event source.',
            'Application',
            [
              applicationName,
              query(
                'eventSource',
                'URI for event source (channel:{channelId}, bridge:{bridgeId}, ...)',
                { required: true, multiple: true },
              ),
            ],
            {
              400: 'Missing parameter; event source scheme not recognized.',
              404: 'Application does not exist.',
              409: 'Application not subscribed to event source.',
              422: 'Event source does not exist.',
            },
          ),
        ],
      },
      {
        path: '/applications/{applicationName}/eventFilter',
        description: 'Stasis application',
        operations: [
          op(
            'PUT',
            'filter',
            'Filter application events types.',
            'Application',
            [
              applicationName,
              body('filter', 'object', 'Specify which event types to allow/disallow'),
            ],
            { 400: 'Bad request.', 404: 'Application does not exist.' },
          ),
        ],
      },
    ],
    models: APPLICATION_MODELS,
  },
  events: {
    description: 'WebSocket resource',
    apis: [
      {
        path: '/events',
        description: 'Events from Asterisk to applications',
        operations: [
          op('GET', 'eventWebsocket', 'WebSocket connection for events.', 'Message', [
            query('app', 'Applications to subscribe to.', { required: true, multiple: true }),
            query('subscribeAll', 'Subscribe to all Asterisk events.', { dataType: 'boolean' }),
          ]),
        ],
      },
    ],
    models: EVENT_MODELS,
  },
};

export function resourceListing(basePath: string): Record<string, unknown> {
  return {
    _copyright: 'Simulated by asterisk-sim; describes the ARI subset it serves.',
    apiVersion: API_VERSION,
    swaggerVersion: '1.1',
    basePath,
    apis: Object.entries(RESOURCES).map(([name, resource]) => ({
      path: `/api-docs/${name}.{format}`,
      description: resource.description,
    })),
  };
}

/** One resource's document, or undefined for a resource the simulator does not serve. */
export function resourceDoc(name: string, basePath: string): Record<string, unknown> | undefined {
  const resource = Object.hasOwn(RESOURCES, name) ? RESOURCES[name] : undefined;
  if (!resource) return undefined;
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.1',
    basePath,
    resourcePath: `/api-docs/${name}.{format}`,
    apis: resource.apis,
    models: resource.models,
  };
}
