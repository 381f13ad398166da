// The rules for reading Redfish documents, one by one, on documents shaped as the DMTF mockups shape them.
import {
  allowableFromActionInfo,
  chooseResetType,
  pickSystem,
  redfishErrorMessages,
  reportedPowerState,
  resetActionOf,
  sessionsLink,
  temperatureKind,
  temperaturesFromThermal,
  temperaturesFromThermalMetrics,
  wattsFromEnvironment,
  wattsFromPower,
  wattsFromSupplyMetrics,
} from './redfish-resources';
import { normaliseSha256 } from './redfish-transport';

describe('choosing a ResetType', () => {
  const all = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'Nmi', 'ForceOn', 'PushPowerButton', 'PowerCycle'];

  it.each([
    ['on', all, 'On'],
    ['graceful-off', all, 'GracefulShutdown'],
    ['force-off', all, 'ForceOff'],
    ['cycle', all, 'PowerCycle'],
    ['cycle', ['On', 'ForceOff', 'ForceRestart'], 'ForceRestart'],
    ['on', ['ForceOn', 'PushPowerButton'], 'ForceOn'],
    ['on', ['ForceOff', 'PushPowerButton'], 'PushPowerButton'],
    ['graceful-off', ['ForceOff', 'PushPowerButton'], 'PushPowerButton'],
  ] as const)('%s with %j allowed -> %s', (intent, allowable, expected) => {
    expect(chooseResetType(intent, allowable)).toEqual({ ok: true, resetType: expected });
  });

  it('never presses the power button to force off or to cycle', () => {
    expect(chooseResetType('force-off', ['PushPowerButton'])).toMatchObject({ ok: false });
    expect(chooseResetType('cycle', ['PushPowerButton'])).toMatchObject({ ok: false });
  });

  it('says what is allowed and what was wanted when nothing fits', () => {
    expect(chooseResetType('graceful-off', ['On', 'Nmi'])).toEqual({ ok: false, reason: 'the BMC allows ResetType On, Nmi, none of GracefulShutdown, PushPowerButton' });
  });

  it('sends the first preference when the BMC advertises no list', () => {
    expect(chooseResetType('force-off', undefined)).toEqual({ ok: true, resetType: 'ForceOff' });
  });
});

describe('reading the reset action', () => {
  it('takes the target and inline AllowableValues (public-rackmount1)', () => {
    const system = {
      Actions: {
        '#ComputerSystem.Reset': { target: '/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset', 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff'] },
        Oem: { '#Contoso.Reset': { target: '/redfish/v1/Systems/437XR1138R2/Oem/Contoso/Actions/Contoso.Reset' } },
      },
    };
    expect(resetActionOf(system)).toEqual({ target: '/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset', allowable: ['On', 'ForceOff'] });
  });

  it('takes the ActionInfo link, and its ResetType parameter (public-telemetry)', () => {
    const system = { Actions: { '#ComputerSystem.Reset': { target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', '@Redfish.ActionInfo': '/redfish/v1/Systems/1/ResetActionInfo' } } };
    expect(resetActionOf(system)).toEqual({ target: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', actionInfo: '/redfish/v1/Systems/1/ResetActionInfo' });
    const info = { Parameters: [{ Name: 'Other', AllowableValues: ['x'] }, { Name: 'ResetType', Required: true, DataType: 'String', AllowableValues: ['On', 'ForceOff'] }] };
    expect(allowableFromActionInfo(info)).toEqual(['On', 'ForceOff']);
  });

  it('finds nothing without a usable target', () => {
    expect(resetActionOf({})).toBeUndefined();
    expect(resetActionOf({ Actions: { '#ComputerSystem.Reset': { target: 42 } } })).toBeUndefined();
  });
});

describe('PowerState', () => {
  it.each([
    ['On', 'on'],
    ['Paused', 'on'],
    ['Off', 'off'],
    ['PoweringOn', 'unknown'],
    ['PoweringOff', 'unknown'],
    [undefined, 'unknown'],
    [null, 'unknown'],
    ['Sideways', 'unknown'],
  ])('%s -> %s', (raw, expected) => {
    expect(reportedPowerState(raw)).toBe(expected);
  });
});

describe('finding the session login', () => {
  it('prefers Links.Sessions, else goes through SessionService, else there is none', () => {
    expect(sessionsLink({ Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } } })).toEqual({ sessions: '/redfish/v1/SessionService/Sessions' });
    expect(sessionsLink({ SessionService: { '@odata.id': '/redfish/v1/SessionService' } })).toEqual({ via: '/redfish/v1/SessionService' });
    expect(sessionsLink({ Systems: { '@odata.id': '/redfish/v1/Systems' } })).toBeNull();
  });
});

describe('picking a system', () => {
  const systems = [
    { path: '/redfish/v1/Systems/A', id: 'A', hostName: 'web483' },
    { path: '/redfish/v1/Systems/B', id: 'B', hostName: 'db1', uuid: '38947555-7742-3448-3784-823347823834' },
  ];

  it('matches Id, HostName or UUID, case-insensitively', () => {
    expect(pickSystem(systems, { value: 'b', explicit: true })).toEqual({ ok: true, path: '/redfish/v1/Systems/B' });
    expect(pickSystem(systems, { value: 'WEB483', explicit: false })).toEqual({ ok: true, path: '/redfish/v1/Systems/A' });
    expect(pickSystem(systems, { value: '38947555-7742-3448-3784-823347823834'.toUpperCase(), explicit: true })).toEqual({ ok: true, path: '/redfish/v1/Systems/B' });
  });

  it('refuses to guess among several, listing them', () => {
    expect(pickSystem(systems, { value: 'node-a', explicit: false })).toEqual({ ok: false, reason: 'no system has Id, HostName or UUID "node-a" (the BMC has A (web483), B (db1))' });
  });

  it('takes the only one unless a name was asked for explicitly', () => {
    const one = systems.slice(0, 1);
    expect(pickSystem(one, { value: 'node-a', explicit: false })).toEqual({ ok: true, path: '/redfish/v1/Systems/A' });
    expect(pickSystem(one, { value: 'node-a', explicit: true })).toMatchObject({ ok: false });
    expect(pickSystem([], { value: 'node-a', explicit: false })).toMatchObject({ ok: false, reason: expect.stringContaining('no system') });
  });
});

describe('Redfish error bodies', () => {
  it('joins @Message.ExtendedInfo[].Message', () => {
    const body = {
      error: {
        code: 'Base.1.5.0.GeneralError',
        message: 'A general error has occurred.',
        '@Message.ExtendedInfo': [{ MessageId: 'Base.1.5.0.PropertyValueNotInList', Message: 'The value Bogus for the property ResetType is not in the list of acceptable values.' }, { Message: 'Second.' }],
      },
    };
    expect(redfishErrorMessages(body)).toBe('The value Bogus for the property ResetType is not in the list of acceptable values.; Second.');
  });

  it('falls back to error.message, and to nothing for other bodies', () => {
    expect(redfishErrorMessages({ error: { code: 'x', message: 'Only this.' } })).toBe('Only this.');
    expect(redfishErrorMessages('<html>')).toBeUndefined();
    expect(redfishErrorMessages({ error: { '@Message.ExtendedInfo': 'nope' } })).toBeUndefined();
  });

  it('keeps a long message short', () => {
    const long = 'x'.repeat(1000);
    expect(redfishErrorMessages({ error: { message: long } })).toHaveLength(300);
  });
});

describe('readings', () => {
  it('reads watts from Power, EnvironmentMetrics and PowerSupplyMetrics (public-rackmount1 shapes)', () => {
    expect(wattsFromPower({ PowerControl: [{ MemberId: '0', PowerConsumedWatts: 344 }] })).toBe(344);
    expect(wattsFromPower({ PowerControl: [] })).toBeUndefined();
    expect(wattsFromPower({ PowerControl: [{ PowerConsumedWatts: null }] })).toBeUndefined();
    expect(wattsFromEnvironment({ PowerWatts: { Reading: 374, DataSourceUri: '/redfish/v1/Chassis/1U/Sensors/TotalPower' } })).toBe(374);
    expect(wattsFromSupplyMetrics({ InputPowerWatts: { Reading: 937.4 } })).toBe(937.4);
  });

  it('reads Thermal.Temperatures[], leaving out sensors without a reading', () => {
    const thermal = {
      Temperatures: [
        { Name: 'CPU1 Temp', ReadingCelsius: 41, PhysicalContext: 'CPU' },
        { Name: 'CPU2 Temp', Status: { State: 'Disabled' }, PhysicalContext: 'CPU' },
        { Name: 'Chassis Intake Temp', ReadingCelsius: 25, PhysicalContext: 'Intake' },
        { Name: 'VRM Temp', ReadingCelsius: 60, PhysicalContext: 'VoltageRegulator' },
      ],
    };
    expect(temperaturesFromThermal(thermal)).toEqual([
      { name: 'CPU1 Temp', kind: 'cpu', celsius: 41 },
      { name: 'Chassis Intake Temp', kind: 'inlet', celsius: 25 },
      { name: 'VRM Temp', kind: 'other', celsius: 60 },
    ]);
  });

  it('reads ThermalMetrics readings, adding the summary Intake when no reading is an inlet', () => {
    const metrics = {
      TemperatureSummaryCelsius: { Intake: { Reading: 24.8 }, Exhaust: { Reading: 40.5 } },
      TemperatureReadingsCelsius: [{ Reading: 40.5, DeviceName: 'Exhaust' }, { Reading: 39, DeviceName: 'CPU1' }],
    };
    expect(temperaturesFromThermalMetrics(metrics)).toEqual([
      { name: 'Exhaust', kind: 'other', celsius: 40.5 },
      { name: 'CPU1', kind: 'cpu', celsius: 39 },
      { name: 'Intake', kind: 'inlet', celsius: 24.8 },
    ]);
    const withIntake = { TemperatureSummaryCelsius: { Intake: { Reading: 24.8 } }, TemperatureReadingsCelsius: [{ Reading: 24.8, DeviceName: 'Intake' }] };
    expect(temperaturesFromThermalMetrics(withIntake)).toEqual([{ name: 'Intake', kind: 'inlet', celsius: 24.8 }]);
  });

  it('names the kind from PhysicalContext, else from the sensor name', () => {
    expect(temperatureKind('Intake', 'x')).toBe('inlet');
    expect(temperatureKind('Room', 'x')).toBe('inlet');
    expect(temperatureKind('CPU', 'x')).toBe('cpu');
    expect(temperatureKind('Exhaust', 'Inlet')).toBe('other');
    expect(temperatureKind(undefined, 'Inlet Temp')).toBe('inlet');
    expect(temperatureKind(undefined, 'CPU2')).toBe('cpu');
    expect(temperatureKind(undefined, 'DIMM1 Temp')).toBe('other');
  });
});

describe('certificate pins', () => {
  it('normalises case and colons to Node\'s fingerprint256 form', () => {
    const hex = 'ab'.repeat(32);
    expect(normaliseSha256(hex)).toBe(Array(32).fill('AB').join(':'));
    expect(normaliseSha256(Array(32).fill('ab').join(':'))).toBe(Array(32).fill('AB').join(':'));
  });
});
