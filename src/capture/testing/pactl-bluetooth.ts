/**
 * What `pactl --format=json list cards` and `list sources` print on a laptop with a Bluetooth
 * headset, on PulseAudio 16 and on PipeWire's pipewire-pulse. Built field by field from the
 * printers and modules named in ../bluetooth-profile.ts (pactl.c `get_card_info_callback`,
 * `get_source_info_callback`, `pa_card_profile_info_2_to_json_object`; module-bluez5-device.c
 * `create_card_profile`, `add_source`; PipeWire bluez5-device.c profile and node properties),
 * with a built-in sound card beside the headset as a laptop has. Shortened where pactl prints
 * more than the parsing reads (volumes, latency, formats, most ports).
 */

export const HEADSET_ADDRESS = '00:1B:66:A1:B2:C3';
const underscored = HEADSET_ADDRESS.replaceAll(':', '_');

/** PulseAudio's source name for the headset's microphone in `profile`. */
export function pulseHeadsetSource(profile: string): string {
  return `bluez_source.${underscored}.${profile}`;
}

const builtInCard = {
  index: 0,
  name: 'alsa_card.pci-0000_00_1f.3',
  driver: 'module-alsa-card.c',
  owner_module: '7',
  properties: {
    'alsa.card': '0',
    'alsa.card_name': 'HDA Intel PCH',
    'device.bus': 'pci',
    'device.bus_path': 'pci-0000:00:1f.3',
    'device.description': 'Built-in Audio',
    'device.string': '0',
    'device.api': 'alsa',
    'device.class': 'sound',
  },
  profiles: {
    'output:analog-stereo+input:analog-stereo': {
      description: 'Analog Stereo Duplex',
      sinks: 1,
      sources: 1,
      priority: 6565,
      available: true,
    },
    off: { description: 'Off', sinks: 0, sources: 0, priority: 0, available: true },
  },
  active_profile: 'output:analog-stereo+input:analog-stereo',
  ports: {},
};

const pulseHeadsetProperties = {
  'device.description': 'WH-1000XM4',
  'device.string': HEADSET_ADDRESS,
  'device.api': 'bluez',
  'device.class': 'sound',
  'device.bus': 'bluetooth',
  'device.form_factor': 'headset',
  'bluez.path': `/org/bluez/hci0/dev_${underscored}`,
  'bluez.class': '0x240404',
  'bluez.alias': 'WH-1000XM4',
  'device.icon_name': 'audio-headset-bluetooth',
};

/** `pactl --format=json list cards` on PulseAudio, the headset's card in `activeProfile`. */
export function pulseCardsJson(activeProfile: string): string {
  const profile = (description: string, sinks: number, sources: number, priority: number) => ({
    description,
    sinks,
    sources,
    priority,
    available: true,
  });
  const headsetCard = {
    index: 3,
    name: `bluez_card.${underscored}`,
    driver: 'module-bluez5-device.c',
    owner_module: '27',
    properties: { ...pulseHeadsetProperties, 'bluetooth.codec': activeProfile.startsWith('a2dp') ? 'sbc' : 'mSBC' },
    profiles: {
      a2dp_sink: profile('High Fidelity Playback (A2DP Sink)', 1, 0, 40),
      headset_head_unit: profile('Headset Head Unit (HSP)', 1, 1, 30),
      handsfree_head_unit: profile('Handsfree Head Unit (HFP)', 1, 1, 30),
      off: profile('Off', 0, 0, 0),
    },
    active_profile: activeProfile,
    ports: {
      'headset-output': {
        description: 'Headset',
        type: 'Headset',
        priority: 0,
        latency_offset: '0 usec',
        availability_group: null,
        availability: 'available',
        properties: {},
        profiles: ['a2dp_sink', 'headset_head_unit', 'handsfree_head_unit'],
      },
    },
  };
  return JSON.stringify([builtInCard, headsetCard]);
}

const builtInMic = {
  index: 1,
  state: 'SUSPENDED',
  name: 'alsa_input.pci-0000_00_1f.3.analog-stereo',
  description: 'Built-in Audio Analog Stereo',
  driver: 'module-alsa-card.c',
  sample_specification: 's16le 2ch 44100Hz',
  channel_map: 'front-left,front-right',
  owner_module: 7,
  mute: false,
  monitor_source: '',
  properties: { ...builtInCard.properties, 'device.class': 'sound', 'device.profile.name': 'analog-stereo' },
  active_port: 'analog-input-internal-mic',
};

/** `pactl --format=json list sources` on PulseAudio with the headset's microphone in `profile`. */
export function pulseSourcesJson(profile: string, rate: number): string {
  const headsetMic = {
    index: 9,
    state: 'RUNNING',
    name: pulseHeadsetSource(profile),
    description: 'WH-1000XM4',
    driver: 'module-bluez5-device.c',
    sample_specification: `s16le 1ch ${rate}Hz`,
    channel_map: 'mono',
    owner_module: 27,
    mute: false,
    monitor_source: '',
    properties: {
      'bluetooth.protocol': profile,
      'bluetooth.codec': rate === 8000 ? 'CVSD' : 'mSBC',
      'device.intended_roles': 'phone',
      ...pulseHeadsetProperties,
    },
    active_port: 'headset-input',
  };
  return JSON.stringify([builtInMic, headsetMic]);
}

/** pipewire-pulse's answer to `list cards`, the headset's card in `activeProfile`. */
export function pipewireCardsJson(activeProfile: string): string {
  const headsetCard = {
    index: 78,
    name: `bluez_card.${underscored}`,
    driver: 'module-bluez5-device.c',
    owner_module: null,
    properties: {
      'api.bluez5.address': HEADSET_ADDRESS,
      'api.bluez5.class': '0x240404',
      'api.bluez5.connection': 'connected',
      'api.bluez5.device': '',
      'api.bluez5.icon': 'audio-headset',
      'api.bluez5.path': `/org/bluez/hci0/dev_${underscored}`,
      'device.alias': 'WH-1000XM4',
      'device.api': 'bluez5',
      'device.bus': 'bluetooth',
      'device.description': 'WH-1000XM4',
      'device.form_factor': 'headset',
      'device.name': `bluez_card.${underscored}`,
      'media.class': 'Audio/Device',
      'object.id': '78',
    },
    profiles: {
      off: { description: 'Off', sinks: 0, sources: 0, priority: 0, available: true },
      'a2dp-sink-sbc': {
        description: 'High Fidelity Playback (A2DP Sink, codec SBC)',
        sinks: 1,
        sources: 0,
        priority: 18,
        available: true,
      },
      'a2dp-sink': {
        description: 'High Fidelity Playback (A2DP Sink, codec LDAC)',
        sinks: 1,
        sources: 0,
        priority: 20,
        available: true,
      },
      'headset-head-unit-cvsd': {
        description: 'Headset Head Unit (HSP/HFP, codec CVSD)',
        sinks: 1,
        sources: 1,
        priority: 1,
        available: true,
      },
      'headset-head-unit': {
        description: 'Headset Head Unit (HSP/HFP, codec mSBC)',
        sinks: 1,
        sources: 1,
        priority: 2,
        available: true,
      },
    },
    active_profile: activeProfile,
    ports: {},
  };
  return JSON.stringify([{ ...builtInCard, index: 47, owner_module: null }, headsetCard]);
}

/** pipewire-pulse's answer to `list sources` with the headset's microphone (mSBC). */
export function pipewireSourcesJson(): string {
  const headsetMic = {
    index: 91,
    state: 'RUNNING',
    name: `bluez_input.${underscored}.0`,
    description: 'WH-1000XM4',
    driver: 'PipeWire',
    sample_specification: 'float32le 1ch 16000Hz',
    channel_map: 'mono',
    owner_module: 4294967295,
    mute: false,
    monitor_source: '',
    properties: {
      'api.bluez5.address': HEADSET_ADDRESS,
      'api.bluez5.codec': 'msbc',
      'api.bluez5.profile': 'headset-head-unit',
      'api.bluez5.transport': '',
      'device.id': '78',
      'device.routes': '1',
      'factory.name': 'api.bluez5.sco.source',
      'media.class': 'Audio/Source',
      'node.description': 'WH-1000XM4',
      'node.name': `bluez_input.${underscored}.0`,
    },
    active_port: null,
  };
  return JSON.stringify([{ ...builtInMic, index: 52, driver: 'PipeWire' }, headsetMic]);
}
