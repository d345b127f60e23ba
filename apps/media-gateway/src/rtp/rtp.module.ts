import { Module } from '@nestjs/common';
import { CodecsModule } from '../codecs/codecs.module';
import { FramesModule } from '../frames/frames.module';
import { RecentAudioModule } from '../recent-audio/recent-audio.module';
import { StatsModule } from '../stats/stats.module';
import { RtpReceiversService } from './rtp-receivers.service';
import { UdpKernelDropsSampler } from './udp-kernel-drops.sampler';
import { UdpSocketFactory } from './udp-socket.factory';

@Module({
  imports: [CodecsModule, FramesModule, RecentAudioModule, StatsModule],
  providers: [UdpSocketFactory, RtpReceiversService, UdpKernelDropsSampler],
  exports: [RtpReceiversService],
})
export class RtpModule {}
